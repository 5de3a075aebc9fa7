//! What Candor accepts as a file (S12). A file is judged by its bytes, never by its name or the
//! browser's claim: the content is sniffed, matched against the allow-list of the file's purpose,
//! and the name it is given back under must agree with what the content is.

use serde::{Deserialize, Serialize};
use std::fmt;

const MIB: u64 = 1024 * 1024;

/// Why a file is kept: a candidate's CV or other document, or an interview's recording or
/// transcript. Each purpose has its own formats and size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Cv,
    Document,
    Recording,
    Transcript,
}

impl FileKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            FileKind::Cv => "cv",
            FileKind::Document => "document",
            FileKind::Recording => "recording",
            FileKind::Transcript => "transcript",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            FileKind::Cv,
            FileKind::Document,
            FileKind::Recording,
            FileKind::Transcript,
        ]
        .into_iter()
        .find(|k| k.as_str() == raw)
    }

    pub const fn label(self) -> &'static str {
        match self {
            FileKind::Cv => "CV",
            FileKind::Document => "Document",
            FileKind::Recording => "Recording",
            FileKind::Transcript => "Transcript",
        }
    }

    pub const fn max_bytes(self) -> u64 {
        match self {
            FileKind::Cv | FileKind::Document => 10 * MIB,
            FileKind::Recording => 100 * MIB,
            FileKind::Transcript => 2 * MIB,
        }
    }

    /// Recordings and transcripts belong to an interview; the others to the candidate.
    pub const fn belongs_to_interview(self) -> bool {
        matches!(self, FileKind::Recording | FileKind::Transcript)
    }

    pub const fn formats(self) -> &'static [Format] {
        use Format::*;
        match self {
            FileKind::Cv | FileKind::Document => &[Pdf, Docx, PlainText],
            FileKind::Recording => &[Mp3, M4a, Wav, Ogg, Opus, Flac, Webm],
            FileKind::Transcript => &[PlainText, WebVtt],
        }
    }

    pub fn accepts(self, format: Format) -> bool {
        self.formats().contains(&format)
    }

    /// What to upload, in words, for form hints and error messages.
    pub const fn hint(self) -> &'static str {
        match self {
            FileKind::Cv | FileKind::Document => {
                "A PDF, Word (.docx) or plain-text file of at most 10 MB."
            }
            FileKind::Recording => {
                "An audio file (MP3, M4A, WAV, OGG, Opus, FLAC or WebM) of at most 100 MB."
            }
            FileKind::Transcript => "A plain-text or WebVTT (.vtt) file of at most 2 MB.",
        }
    }

    /// The `accept` attribute of a file input: a convenience for the picker, not a control.
    pub const fn accept_attribute(self) -> &'static str {
        match self {
            FileKind::Cv | FileKind::Document => ".pdf,.docx,.txt",
            FileKind::Recording => ".mp3,.m4a,.wav,.ogg,.oga,.opus,.flac,.webm,audio/*",
            FileKind::Transcript => ".txt,.vtt",
        }
    }
}

/// A format on some allow-list, as recognised from the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    Pdf,
    Docx,
    PlainText,
    WebVtt,
    Mp3,
    M4a,
    Wav,
    Ogg,
    Opus,
    Flac,
    Webm,
}

impl Format {
    /// The type the file is served with: always this constant, never what the uploader claimed.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::PlainText => "text/plain; charset=utf-8",
            Format::WebVtt => "text/vtt; charset=utf-8",
            Format::Mp3 => "audio/mpeg",
            Format::M4a => "audio/mp4",
            Format::Wav => "audio/wav",
            Format::Ogg => "audio/ogg",
            Format::Opus => "audio/opus",
            Format::Flac => "audio/flac",
            Format::Webm => "audio/webm",
        }
    }

    pub fn from_content_type(raw: &str) -> Option<Self> {
        use Format::*;
        [
            Pdf, Docx, PlainText, WebVtt, Mp3, M4a, Wav, Ogg, Opus, Flac, Webm,
        ]
        .into_iter()
        .find(|f| f.content_type() == raw)
    }

    /// Name endings that agree with the content; the first is given to a name without one.
    pub const fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Pdf => &["pdf"],
            Format::Docx => &["docx"],
            Format::PlainText => &["txt", "text"],
            Format::WebVtt => &["vtt", "txt"],
            Format::Mp3 => &["mp3"],
            Format::M4a => &["m4a", "mp4"],
            Format::Wav => &["wav"],
            Format::Ogg => &["ogg", "oga"],
            Format::Opus => &["opus", "ogg"],
            Format::Flac => &["flac"],
            Format::Webm => &["webm", "weba"],
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Format::Pdf => "a PDF document",
            Format::Docx => "a Word document",
            Format::PlainText => "a plain-text file",
            Format::WebVtt => "a WebVTT transcript",
            Format::Mp3 => "an MP3 recording",
            Format::M4a => "an M4A recording",
            Format::Wav => "a WAV recording",
            Format::Ogg => "an OGG recording",
            Format::Opus => "an Opus recording",
            Format::Flac => "a FLAC recording",
            Format::Webm => "a WebM recording",
        }
    }
}

/// Why a file was refused, in words the uploader can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    Empty,
    TooLarge {
        max_bytes: u64,
    },
    /// The content is something else than the purpose allows (`found` says what, when known).
    NotAllowed {
        found: String,
    },
    /// The name ends in something the content is not (a Word file called `cv.pdf`).
    NameMismatch {
        ending: String,
        found: Format,
    },
    /// An allowed format carrying something that does not belong in a candidate's file.
    ActiveContent {
        what: &'static str,
    },
    Malformed {
        what: &'static str,
    },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Empty => write!(f, "The file is empty."),
            Rejection::TooLarge { max_bytes } => {
                write!(f, "The file is larger than {}.", human_size(*max_bytes))
            }
            Rejection::NotAllowed { found } => {
                write!(f, "This file is {found}, which cannot be kept here.")
            }
            Rejection::NameMismatch { ending, found } => write!(
                f,
                "The name ends in .{ending} but the file is {}. Rename it or choose the right file.",
                found.label()
            ),
            Rejection::ActiveContent { what } => write!(
                f,
                "The file contains {what}, which is not accepted. Save it again without it."
            ),
            Rejection::Malformed { what } => write!(f, "The file is damaged: {what}."),
        }
    }
}

/// A file that passed: its recognised format and the safe name it will be offered under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub format: Format,
    pub file_name: String,
}

/// "1.5 MB", "820 KB", "12 bytes".
pub fn human_size(bytes: u64) -> String {
    if bytes >= MIB {
        let tenths = bytes * 10 / MIB;
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else if bytes >= 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{bytes} bytes")
    }
}

/// The name a file is offered under: the last path component only (no `../`, no folders), no
/// control or reserved characters, at most 120 characters, ending in an extension of its format.
pub fn safe_file_name(raw: &str, format: Format) -> Result<String, Rejection> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !"\"<>:|?*;\u{202e}\u{202d}\u{200e}\u{200f}".contains(*c))
        .collect();
    let cleaned = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    let (stem, ending) = match cleaned.rsplit_once('.') {
        Some((stem, ending)) if !ending.is_empty() && !ending.contains(' ') => (
            stem.trim_end_matches('.'),
            Some(ending.to_ascii_lowercase()),
        ),
        _ => (cleaned, None),
    };
    let extension = match ending {
        Some(ending) if format.extensions().contains(&ending.as_str()) => ending,
        Some(ending) => {
            return Err(Rejection::NameMismatch {
                ending,
                found: format,
            })
        }
        None => format.extensions()[0].to_owned(),
    };
    let stem = if stem.trim().is_empty() { "file" } else { stem };
    let stem: String = stem.chars().take(120 - extension.len() - 1).collect();
    Ok(format!("{stem}.{extension}"))
}

/// Judges one upload for `kind`: size, content against the allow-list, then the name.
#[cfg(feature = "ssr")]
pub fn inspect(kind: FileKind, raw_name: &str, bytes: &[u8]) -> Result<Accepted, Rejection> {
    if bytes.is_empty() {
        return Err(Rejection::Empty);
    }
    if bytes.len() as u64 > kind.max_bytes() {
        return Err(Rejection::TooLarge {
            max_bytes: kind.max_bytes(),
        });
    }
    let format = sniff::format_of(bytes)?;
    if !kind.accepts(format) {
        // A plain-text transcript is also plain text; anything else is the wrong purpose.
        return Err(Rejection::NotAllowed {
            found: format.label().to_owned(),
        });
    }
    let file_name = safe_file_name(raw_name, format)?;
    Ok(Accepted { format, file_name })
}

#[cfg(feature = "ssr")]
mod sniff {
    //! Content recognition. Magic numbers come from `infer`; the structure checks that make a
    //! format safe to keep (no active content, no appended archive, no HTML posing as text) are
    //! ours.

    use super::{Format, Rejection};

    pub fn format_of(bytes: &[u8]) -> Result<Format, Rejection> {
        if bytes.starts_with(b"%PDF-") {
            return pdf(bytes);
        }
        if bytes.starts_with(b"PK\x03\x04") {
            return docx(bytes);
        }
        if let Some(found) = infer::get(bytes) {
            return match found.mime_type() {
                "audio/mpeg" => Ok(Format::Mp3),
                "audio/m4a" => Ok(Format::M4a),
                "audio/x-wav" => Ok(Format::Wav),
                "audio/ogg" => Ok(Format::Ogg),
                "audio/opus" => Ok(Format::Opus),
                "audio/x-flac" => Ok(Format::Flac),
                "video/webm" => Ok(Format::Webm),
                other => Err(Rejection::NotAllowed {
                    found: describe(other, found.matcher_type()),
                }),
            };
        }
        text(bytes)
    }

    fn describe(mime: &str, matcher: infer::MatcherType) -> String {
        use infer::MatcherType::*;
        if mime.contains("html") || mime.contains("xml") {
            return "an HTML or XML document".into();
        }
        let what = match matcher {
            App => "a program",
            Archive => "an archive",
            Image => "an image",
            Video => "a video",
            Audio => "an audio format that is not accepted",
            Book => "an e-book",
            Doc => "an office document that is not accepted",
            Font => "a font",
            Text => "a text format that is not accepted",
            Custom => "an unknown format",
        };
        format!("{what} ({mime})")
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// PDF names that run code, launch programs, embed files or submit data.
    const PDF_ACTIVE_NAMES: &[&[u8]] = &[
        b"JavaScript",
        b"JS",
        b"Launch",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"RichMedia",
        b"XFA",
        b"SubmitForm",
        b"ImportData",
    ];

    fn pdf(bytes: &[u8]) -> Result<Format, Rejection> {
        let tail_start = bytes.len().saturating_sub(1024);
        if !contains(&bytes[tail_start..], b"%%EOF") {
            return Err(Rejection::Malformed {
                what: "the PDF has no end marker, it may be cut short",
            });
        }
        // A ZIP directory at the end turns the file into a working archive as well (a polyglot).
        let zip_tail = bytes.len().saturating_sub(65_557);
        if contains(&bytes[zip_tail..], b"PK\x05\x06") {
            return Err(Rejection::ActiveContent {
                what: "an archive hidden inside the PDF",
            });
        }
        if pdf_names(bytes).any(|name| PDF_ACTIVE_NAMES.contains(&name.as_slice())) {
            return Err(Rejection::ActiveContent {
                what: "scripts, embedded files or actions",
            });
        }
        Ok(Format::Pdf)
    }

    /// Every `/Name` token, with `#xx` escapes decoded so `/J#61vaScript` reads as JavaScript.
    fn pdf_names(bytes: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
        const DELIMITERS: &[u8] = b"()<>[]{}/% \t\r\n\x0c\0";
        bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'/')
            .map(move |(start, _)| {
                let raw = bytes[start + 1..]
                    .iter()
                    .take_while(|b| !DELIMITERS.contains(b))
                    .take(64)
                    .copied()
                    .collect::<Vec<u8>>();
                let mut name = Vec::with_capacity(raw.len());
                let mut i = 0;
                while i < raw.len() {
                    let decoded = (raw[i] == b'#' && i + 2 < raw.len())
                        .then(|| std::str::from_utf8(&raw[i + 1..i + 3]).ok())
                        .flatten()
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match decoded {
                        Some(b) => {
                            name.push(b);
                            i += 3;
                        }
                        None => {
                            name.push(raw[i]);
                            i += 1;
                        }
                    }
                }
                name
            })
    }

    fn docx(bytes: &[u8]) -> Result<Format, Rejection> {
        let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| {
            Rejection::Malformed {
                what: "the archive cannot be read",
            }
        })?;
        if archive.len() > 2_000 {
            return Err(Rejection::NotAllowed {
                found: "an archive with too many entries".into(),
            });
        }
        let names: Vec<String> = archive
            .file_names()
            .map(|name| name.map(|n| n.to_ascii_lowercase()))
            .collect::<Result<_, _>>()
            .map_err(|_| Rejection::Malformed {
                what: "the archive lists names that cannot be read",
            })?;
        let has = |n: &str| names.iter().any(|x| x == n);
        if !(has("[content_types].xml") && has("word/document.xml")) {
            return Err(Rejection::NotAllowed {
                found: "an archive (ZIP)".into(),
            });
        }
        if names
            .iter()
            .any(|n| n.ends_with("vbaproject.bin") || n.starts_with("word/activex/"))
        {
            return Err(Rejection::ActiveContent {
                what: "macros or ActiveX controls",
            });
        }
        Ok(Format::Docx)
    }

    /// HTML and XML openings a browser would sniff and render (WHATWG MIME sniffing).
    const MARKUP_OPENINGS: &[&str] = &[
        "<!doctype html",
        "<html",
        "<head",
        "<script",
        "<iframe",
        "<h1",
        "<div",
        "<font",
        "<table",
        "<a",
        "<style",
        "<title",
        "<b",
        "<body",
        "<br",
        "<p",
        "<!--",
        "<?xml",
        "<svg",
        "<object",
        "<embed",
        "<img",
    ];

    fn text(bytes: &[u8]) -> Result<Format, Rejection> {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let Ok(text) = std::str::from_utf8(body) else {
            return Err(Rejection::NotAllowed {
                found: "binary data of an unknown format".into(),
            });
        };
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
        {
            return Err(Rejection::NotAllowed {
                found: "binary data of an unknown format".into(),
            });
        }
        let opening = text.trim_start().get(..16).unwrap_or(text.trim_start());
        let opening = opening.to_ascii_lowercase();
        let is_markup = MARKUP_OPENINGS.iter().any(|tag| {
            opening.strip_prefix(tag).is_some_and(|rest| {
                tag.ends_with("--")
                    || tag.starts_with("<?")
                    || rest.is_empty()
                    || rest.starts_with([' ', '>', '\t', '\n', '\r', '/'])
            })
        });
        if is_markup {
            return Err(Rejection::NotAllowed {
                found: "an HTML or XML document".into(),
            });
        }
        let is_vtt = text
            .strip_prefix("WEBVTT")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']));
        Ok(if is_vtt {
            Format::WebVtt
        } else {
            Format::PlainText
        })
    }
}

#[cfg(test)]
#[cfg(feature = "ssr")]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

    fn docx_with(entries: &[&str]) -> Vec<u8> {
        use std::io::Write;
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            for name in entries {
                zip.start_file(
                    *name,
                    zip::write::SimpleFileOptions::default()
                        .compression_method(zip::CompressionMethod::Stored),
                )
                .unwrap();
                zip.write_all(b"<x/>").unwrap();
            }
            zip.finish().unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn allowed_formats_are_recognised_by_content() {
        assert_eq!(
            inspect(FileKind::Cv, "cv.pdf", PDF).unwrap().format,
            Format::Pdf
        );
        let docx = docx_with(&["[Content_Types].xml", "word/document.xml"]);
        assert_eq!(
            inspect(FileKind::Cv, "cv.docx", &docx).unwrap().format,
            Format::Docx
        );
        assert_eq!(
            inspect(FileKind::Cv, "cv.txt", "Grace Hopper\nCOBOL".as_bytes())
                .unwrap()
                .format,
            Format::PlainText
        );
        assert_eq!(
            inspect(
                FileKind::Transcript,
                "t.vtt",
                b"WEBVTT\n\n00:01.000 --> 00:04.000\nHi"
            )
            .unwrap()
            .format,
            Format::WebVtt
        );
        let wav = [b"RIFF".as_slice(), &[36, 0, 0, 0], b"WAVEfmt ", &[0; 32]].concat();
        assert_eq!(
            inspect(FileKind::Recording, "a.wav", &wav).unwrap().format,
            Format::Wav
        );
    }

    #[test]
    fn the_wrong_type_behind_a_right_extension_is_refused() {
        let elf = [b"\x7fELF".as_slice(), &[2, 1, 1, 0], &[0; 60]].concat();
        let err = inspect(FileKind::Cv, "cv.pdf", &elf).unwrap_err();
        assert!(matches!(err, Rejection::NotAllowed { .. }), "{err:?}");
        let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0; 40]].concat();
        assert!(matches!(
            inspect(FileKind::Cv, "cv.txt", &png),
            Err(Rejection::NotAllowed { .. })
        ));
        let docx = docx_with(&["[Content_Types].xml", "word/document.xml"]);
        assert_eq!(
            inspect(FileKind::Cv, "cv.pdf", &docx),
            Err(Rejection::NameMismatch {
                ending: "pdf".into(),
                found: Format::Docx
            })
        );
        // A CV is not a recording, whatever its name says.
        assert!(matches!(
            inspect(FileKind::Recording, "talk.mp3", PDF),
            Err(Rejection::NotAllowed { .. })
        ));
        let plain_zip = docx_with(&["payload.exe"]);
        assert!(matches!(
            inspect(FileKind::Cv, "cv.docx", &plain_zip),
            Err(Rejection::NotAllowed { .. })
        ));
    }

    #[test]
    fn html_posing_as_text_is_refused() {
        for hostile in [
            "<script>alert(1)</script>",
            "  <!DOCTYPE html><p>x",
            "<svg onload=alert(1)>",
            "<html>",
            "\u{feff}<iframe src=x>",
        ] {
            assert!(
                matches!(
                    inspect(FileKind::Cv, "cv.txt", hostile.as_bytes()),
                    Err(Rejection::NotAllowed { .. })
                ),
                "{hostile}"
            );
        }
        // Prose that mentions a tag later on is still text.
        assert!(inspect(FileKind::Cv, "cv.txt", b"Skills: <b> tags and HTML").is_ok());
    }

    #[test]
    fn polyglots_and_active_content_are_refused() {
        let with_js = b"%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF";
        assert!(matches!(
            inspect(FileKind::Cv, "cv.pdf", with_js),
            Err(Rejection::ActiveContent { .. })
        ));
        let escaped = b"%PDF-1.7\n<< /S /J#61vaScript >>\n%%EOF";
        assert!(matches!(
            inspect(FileKind::Cv, "cv.pdf", escaped),
            Err(Rejection::ActiveContent { .. })
        ));
        let zip = docx_with(&["evil.html"]);
        let pdf_zip = [PDF, &zip].concat();
        assert!(matches!(
            inspect(FileKind::Cv, "cv.pdf", &pdf_zip),
            Err(Rejection::ActiveContent { .. })
        ));
        let macro_doc = docx_with(&[
            "[Content_Types].xml",
            "word/document.xml",
            "word/vbaProject.bin",
        ]);
        assert!(matches!(
            inspect(FileKind::Cv, "cv.docx", &macro_doc),
            Err(Rejection::ActiveContent { .. })
        ));
        // HTML with a PDF header in front is a PDF that is cut short, and not kept.
        assert!(inspect(
            FileKind::Cv,
            "cv.pdf",
            b"%PDF-1.4\n<html><script>x</script>"
        )
        .is_err());
    }

    #[test]
    fn size_limits_are_per_purpose() {
        let big = vec![b'a'; (FileKind::Transcript.max_bytes() + 1) as usize];
        assert_eq!(
            inspect(FileKind::Transcript, "t.txt", &big),
            Err(Rejection::TooLarge { max_bytes: 2 * MIB })
        );
        assert!(inspect(FileKind::Cv, "cv.txt", &big).is_ok());
        assert_eq!(inspect(FileKind::Cv, "cv.txt", b""), Err(Rejection::Empty));
    }

    #[test]
    fn names_lose_their_folders_and_hostile_characters() {
        let f = Format::Pdf;
        assert_eq!(
            safe_file_name("../../etc/passwd.pdf", f).unwrap(),
            "passwd.pdf"
        );
        assert_eq!(
            safe_file_name("..\\..\\boot.ini.pdf", f).unwrap(),
            "boot.ini.pdf"
        );
        assert_eq!(safe_file_name("\"a\";b<c>.PDF", f).unwrap(), "abc.pdf");
        assert_eq!(
            safe_file_name("cv\u{202e}fdp.exe", f),
            Err(Rejection::NameMismatch {
                ending: "exe".into(),
                found: f
            })
        );
        assert_eq!(safe_file_name("", f).unwrap(), "file.pdf");
        assert_eq!(safe_file_name("..", f).unwrap(), "file.pdf");
        assert_eq!(
            safe_file_name("Lebenslauf Jürgen", f).unwrap(),
            "Lebenslauf Jürgen.pdf"
        );
        let long = "x".repeat(500);
        assert_eq!(safe_file_name(&long, f).unwrap().chars().count(), 120);
    }

    #[test]
    fn the_picker_offers_every_format_each_kind_accepts() {
        let offered =
            |kind: FileKind| -> Vec<&str> { kind.accept_attribute().split(',').collect() };
        assert_eq!(offered(FileKind::Cv), [".pdf", ".docx", ".txt"]);
        assert_eq!(offered(FileKind::Document), offered(FileKind::Cv));
        assert_eq!(offered(FileKind::Transcript), [".txt", ".vtt"]);
        for extension in [".mp3", ".m4a", ".wav", ".ogg", ".opus", ".flac", ".webm"] {
            assert!(
                offered(FileKind::Recording).contains(&extension),
                "{extension}"
            );
        }
    }

    #[test]
    fn kinds_read_back_as_stored_and_go_with_the_candidate_or_the_interview() {
        let all = [
            FileKind::Cv,
            FileKind::Document,
            FileKind::Recording,
            FileKind::Transcript,
        ];
        assert_eq!(
            all.map(FileKind::as_str),
            ["cv", "document", "recording", "transcript"]
        );
        for kind in all {
            assert_eq!(FileKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(FileKind::parse("CV"), None);
        assert_eq!(FileKind::parse("video"), None);
        assert_eq!(
            all.map(FileKind::belongs_to_interview),
            [false, false, true, true]
        );
    }

    #[test]
    fn each_purpose_tells_the_uploader_the_limit_it_enforces() {
        for (kind, limit) in [
            (FileKind::Cv, "10 MB"),
            (FileKind::Document, "10 MB"),
            (FileKind::Recording, "100 MB"),
            (FileKind::Transcript, "2 MB"),
        ] {
            assert_eq!(human_size(kind.max_bytes()), limit, "{kind:?}");
            assert!(
                kind.hint().contains(&format!("at most {limit}.")),
                "{kind:?}: {}",
                kind.hint()
            );
        }
    }

    #[test]
    fn a_file_of_exactly_the_limit_is_kept_and_one_byte_more_is_not() {
        let at_limit = vec![b'a'; FileKind::Transcript.max_bytes() as usize];
        assert_eq!(
            inspect(FileKind::Transcript, "t.txt", &at_limit).map(|a| a.format),
            Ok(Format::PlainText)
        );
        let over = [at_limit.as_slice(), b"a"].concat();
        assert_eq!(
            inspect(FileKind::Transcript, "t.txt", &over),
            Err(Rejection::TooLarge { max_bytes: 2 * MIB })
        );
    }

    #[test]
    fn files_are_served_with_the_fixed_type_of_their_format() {
        use Format::*;
        let served = [
            (Pdf, "application/pdf"),
            (
                Docx,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            (PlainText, "text/plain; charset=utf-8"),
            (WebVtt, "text/vtt; charset=utf-8"),
            (Mp3, "audio/mpeg"),
            (M4a, "audio/mp4"),
            (Wav, "audio/wav"),
            (Ogg, "audio/ogg"),
            (Opus, "audio/opus"),
            (Flac, "audio/flac"),
            (Webm, "audio/webm"),
        ];
        for (format, content_type) in served {
            assert_eq!(format.content_type(), content_type);
            // The stored type is read back to the same format, and so served the same way.
            assert_eq!(Format::from_content_type(content_type), Some(format));
        }
        assert_eq!(Format::from_content_type("text/html"), None);
        assert_eq!(Format::from_content_type("text/plain"), None);
    }

    #[test]
    fn every_active_pdf_name_is_refused_however_it_is_escaped() {
        let with_name = |name: &str| format!("%PDF-1.7\n<< /Type /Action /{name} >>\n%%EOF");
        for name in [
            "JavaScript",
            "JS",
            "Launch",
            "EmbeddedFile",
            "EmbeddedFiles",
            "RichMedia",
            "XFA",
            "SubmitForm",
            "ImportData",
            // Escapes early, late and last in the name.
            "J#61vaScript",
            "JavaScr#69pt",
            "SubmitFor#6d",
        ] {
            assert_eq!(
                inspect(FileKind::Cv, "cv.pdf", with_name(name).as_bytes()),
                Err(Rejection::ActiveContent {
                    what: "scripts, embedded files or actions"
                }),
                "{name}"
            );
        }
        // Harmless names, one with an escape cut short at its end, are kept.
        for name in ["Metadata", "Author#2", "Title#"] {
            assert_eq!(
                inspect(FileKind::Cv, "cv.pdf", with_name(name).as_bytes()).map(|a| a.format),
                Ok(Format::Pdf),
                "{name}"
            );
        }
    }

    #[test]
    fn only_a_word_document_passes_as_docx() {
        let word = ["[Content_Types].xml", "word/document.xml"];
        let workbook = docx_with(&["[Content_Types].xml", "xl/workbook.xml"]);
        assert_eq!(
            inspect(FileKind::Cv, "cv.docx", &workbook),
            Err(Rejection::NotAllowed {
                found: "an archive (ZIP)".into()
            })
        );
        let activex = docx_with(&[word[0], word[1], "word/activeX/activeX1.xml"]);
        assert!(matches!(
            inspect(FileKind::Cv, "cv.docx", &activex),
            Err(Rejection::ActiveContent { .. })
        ));
        // A document may have many parts, but not more than 2000.
        let padded = |entries: usize| {
            let names: Vec<String> = (word.len()..entries)
                .map(|i| format!("word/media/image{i}.png"))
                .collect();
            let all: Vec<&str> = word
                .iter()
                .copied()
                .chain(names.iter().map(String::as_str))
                .collect();
            docx_with(&all)
        };
        assert_eq!(
            inspect(FileKind::Cv, "cv.docx", &padded(2_000)).map(|a| a.format),
            Ok(Format::Docx)
        );
        assert_eq!(
            inspect(FileKind::Cv, "cv.docx", &padded(2_001)),
            Err(Rejection::NotAllowed {
                found: "an archive with too many entries".into()
            })
        );
    }

    #[test]
    fn a_conditional_comment_opening_is_markup_too() {
        for hostile in [
            "<!--[if IE]><script>x</script>",
            "<!---->",
            "<!--\n<b>",
            // An XML processing instruction, after blank lines too.
            "\n  <?xml-stylesheet type=\"text/xsl\" href=\"x.xsl\"?>",
        ] {
            assert_eq!(
                inspect(FileKind::Cv, "cv.txt", hostile.as_bytes()),
                Err(Rejection::NotAllowed {
                    found: "an HTML or XML document".into()
                }),
                "{hostile}"
            );
        }
    }

    #[test]
    fn a_name_with_dots_in_its_words_keeps_them_and_gets_the_extension() {
        assert_eq!(
            safe_file_name("CV J. R. Tolkien", Format::Pdf).unwrap(),
            "CV J. R. Tolkien.pdf"
        );
        assert_eq!(
            safe_file_name("v2.1 final.docx", Format::Docx).unwrap(),
            "v2.1 final.docx"
        );
    }

    #[test]
    fn a_refusal_says_what_the_file_is_and_what_to_do() {
        let refusal =
            |kind, name: &str, bytes: &[u8]| inspect(kind, name, bytes).unwrap_err().to_string();
        let elf = [b"\x7fELF".as_slice(), &[2, 1, 1, 0], &[0; 60]].concat();
        assert_eq!(
            refusal(FileKind::Cv, "cv.pdf", &elf),
            "This file is a program (application/x-executable), which cannot be kept here."
        );
        assert_eq!(
            refusal(FileKind::Cv, "cv.txt", b"<?xml version=\"1.0\"?><cv/>"),
            "This file is an HTML or XML document, which cannot be kept here."
        );
        assert_eq!(
            refusal(FileKind::Recording, "talk.mp3", PDF),
            "This file is a PDF document, which cannot be kept here."
        );
        let docx = docx_with(&["[Content_Types].xml", "word/document.xml"]);
        assert_eq!(
            refusal(FileKind::Cv, "cv.pdf", &docx),
            "The name ends in .pdf but the file is a Word document. Rename it or choose the \
             right file."
        );
        assert_eq!(
            refusal(
                FileKind::Transcript,
                "t.txt",
                &vec![b'a'; 2 * MIB as usize + 1]
            ),
            "The file is larger than 2 MB."
        );
        assert_eq!(refusal(FileKind::Cv, "cv.txt", b""), "The file is empty.");
        assert_eq!(
            refusal(FileKind::Cv, "cv.pdf", b"%PDF-1.7\n"),
            "The file is damaged: the PDF has no end marker, it may be cut short."
        );
        let macro_doc = docx_with(&[
            "[Content_Types].xml",
            "word/document.xml",
            "word/vbaProject.bin",
        ]);
        assert_eq!(
            refusal(FileKind::Cv, "cv.docx", &macro_doc),
            "The file contains macros or ActiveX controls, which is not accepted. Save it again \
             without it."
        );
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(10 * MIB), "10 MB");
        assert_eq!(human_size(3 * MIB / 2), "1.5 MB");
        assert_eq!(human_size(2048), "2 KB");
        assert_eq!(human_size(12), "12 bytes");
    }
}
