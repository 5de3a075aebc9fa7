//! The one HTML policy (S10): rich text from users is sanitised at write time by this allow-list,
//! so what is stored can be rendered as is.

use ammonia::Builder;
use std::collections::HashSet;
use std::sync::OnceLock;

fn policy() -> &'static Builder<'static> {
    static POLICY: OnceLock<Builder<'static>> = OnceLock::new();
    POLICY.get_or_init(|| {
        let mut b = Builder::empty();
        b.add_tags([
            "p",
            "br",
            "strong",
            "em",
            "b",
            "i",
            "u",
            "s",
            "ul",
            "ol",
            "li",
            "h3",
            "h4",
            "blockquote",
            "code",
            "pre",
            "a",
        ])
        .add_tag_attributes("a", ["href"])
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean_content_tags(HashSet::from([
            "script", "style", "template", "svg", "math",
        ]));
        b
    })
}

pub fn sanitize(raw: &str) -> String {
    policy().clean(raw).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_markup_is_removed_and_formatting_kept() {
        let cases = [
            (
                "<p>Hello <strong>team</strong></p>",
                "<p>Hello <strong>team</strong></p>",
            ),
            ("<script>alert(1)</script><p>ok</p>", "<p>ok</p>"),
            ("<img src=x onerror=alert(1)>", ""),
            ("<p onclick=\"steal()\">x</p>", "<p>x</p>"),
            (
                "<a href=\"javascript:alert(1)\">x</a>",
                "<a rel=\"noopener noreferrer nofollow\">x</a>",
            ),
            (
                "<a href=\"data:text/html,<script>\">x</a>",
                "<a rel=\"noopener noreferrer nofollow\">x</a>",
            ),
            (
                "<a href=\"https://example.com\" target=_blank>x</a>",
                "<a href=\"https://example.com\" rel=\"noopener noreferrer nofollow\">x</a>",
            ),
            ("<svg><script>alert(1)</script></svg>", ""),
            ("<style>body{display:none}</style>text", "text"),
            ("<iframe src=//evil></iframe>", ""),
            ("<p>unclosed <em>tags", "<p>unclosed <em>tags</em></p>"),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize(input), expected, "{input}");
        }
    }
}
