//! The schema's migrations, and the start-up step that lets a database made by any earlier
//! release migrate forward (S17).
//!
//! sqlx records the SHA-384 of each migration's text when it applies it, and refuses to run at
//! all when an applied migration's text has changed since. Five landed migrations were edited
//! after some databases had applied them (0005, 0006, 0008, 0027, 0033) and one was renumbered
//! (file deletions, 0014 then 0016), so such a database could no longer start. Before sqlx runs,
//! [`migrate`] recognises each earlier text by the checksum recorded for it
//! ([`EARLIER_TEXTS`], from git history), brings the database to what the current text makes
//! and records the current checksum, all in one transaction (a column a repair adds comes last
//! in its table: nothing reads columns by position). A database made by the current texts
//! records none of those checksums and is left alone; any other changed text is still refused. From now on a landed migration is
//! never edited: `migrations/CHECKSUMS` lists each one's checksum and a test fails on any change.

use anyhow::Context;
use candor_app::backend::auth::tokens::random_16;
use candor_app::domain::ids::{IdKind, PublicId};
use sqlx::{migrate::Migrator, PgPool, Postgres, Transaction};

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// A migration's text as an earlier release applied it, since edited or renumbered.
pub struct EarlierText {
    pub version: i64,
    /// SHA-384 of that text, hex: what sqlx recorded for it.
    pub checksum: &'static str,
    /// The first and the last commit that had that text.
    pub commits: (&'static str, &'static str),
    repair: Repair,
}

/// What brings a database that applied an earlier text to what the current text makes.
enum Repair {
    /// The edit changed comments only.
    Nothing,
    /// The current text's statements from the line starting with the first string through the
    /// line ending with the second, run again (`CREATE FUNCTION` as `CREATE OR REPLACE`): the
    /// edit added or changed exactly those.
    Rerun(&'static str, &'static str),
    /// 0006 gave the sub-processors a public id: a column every row needs a value in.
    SubProcessorPublicIds,
    /// Statements making what the edit added; no-ops where it already is.
    Sql(&'static str),
    /// The text is now the migration of version `to`, unchanged: the record moves there, and
    /// sqlx runs the text now numbered as the old version like any migration not yet applied.
    Renumbered { to: i64 },
}

pub const EARLIER_TEXTS: &[EarlierText] = &[
    EarlierText {
        version: 5,
        checksum: "eadb7bee7eba590065513ba5d7497aa64b39b55f84e5a5e23e0a49402bf18abe16f40cc264865a89ac4bdb6db85f719a",
        commits: ("ebf8a4e", "9d65f3c"),
        repair: Repair::Rerun(
            "ALTER TABLE application_events DROP CONSTRAINT application_events_kind_check;",
            "'interview_scheduled', 'recording_attached', 'transcript_attached'));",
        ),
    },
    EarlierText {
        version: 6,
        checksum: "8be5b4b2fa9fb1c9ddbd2189d494ce6e24b2498ea78ed56da46de61dae1eccc9e97f75ba5a0332026c8b8eaebff04d86",
        commits: ("bf2700a", "f1d4dc1"),
        repair: Repair::SubProcessorPublicIds,
    },
    EarlierText {
        version: 8,
        checksum: "361acf76ddfdf0a0c757e341be893df69de8c03fd14115c70dfd247f5a4dea04db14c4c54aac82f9401c9eae094e1c45",
        commits: ("69d7fd0", "78d8a5f"),
        repair: Repair::Sql(
            "ALTER TABLE candidates ADD COLUMN IF NOT EXISTS processing_restricted_at timestamptz",
        ),
    },
    EarlierText {
        version: 14,
        checksum: "23ab1e83a62965760eef35b602169d8de9808e121e71abddf92f6840403afe2aaa5ad2a15b564cc38c576f7adcec7ebe",
        commits: ("c432e2e", "162f6b7"),
        repair: Repair::Renumbered { to: 16 },
    },
    EarlierText {
        version: 27,
        checksum: "5f8afa4f8b78977710815c84875c14299fac4cdafe695d69557a57a8b5c7380ff7f921702038be40bbead11234dfb98a",
        commits: ("fd01716", "05fca67"),
        repair: Repair::Rerun("CREATE FUNCTION consent_latest_appended()", "$$;"),
    },
    EarlierText {
        version: 33,
        checksum: "ae1fbcbb1f64f3e004595b22edfa99726759a3506a7f56bb2099329a914c359d9a47b3b58b44b898f76ba6c3a53d20cc",
        commits: ("42e2abe", "3167de3"),
        repair: Repair::Nothing,
    },
];

/// Brings a database made by any earlier release up to date: the repairs of earlier texts, then
/// every migration not yet applied. Safe to run from several portals at once.
pub async fn migrate(owner: &PgPool) -> anyhow::Result<()> {
    repair_earlier_texts(owner)
        .await
        .context("bringing migrations applied in an earlier text up to date")?;
    MIGRATOR.run(owner).await.context("running migrations")?;
    Ok(())
}

async fn repair_earlier_texts(owner: &PgPool) -> anyhow::Result<()> {
    let mut tx = owner.begin().await?;
    // Portals starting together: the second finds the work done.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('candor.migration_repair')::bigint)")
        .execute(&mut *tx)
        .await?;
    let recorded: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
            .fetch_one(&mut *tx)
            .await?;
    if recorded.is_none() {
        return Ok(());
    }
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut *tx)
            .await?;
    for (version, checksum) in applied {
        let Some(earlier) = EARLIER_TEXTS
            .iter()
            .find(|e| e.version == version && e.checksum == hex::encode(&checksum))
        else {
            continue;
        };
        repair(&mut tx, earlier).await.with_context(|| {
            format!("migration {version:04} as of commit {}", earlier.commits.1)
        })?;
        tracing::info!(
            version,
            commit = earlier.commits.1,
            "a migration applied in an earlier text was brought up to date"
        );
    }
    tx.commit().await?;
    Ok(())
}

async fn repair(
    tx: &mut Transaction<'static, Postgres>,
    earlier: &EarlierText,
) -> anyhow::Result<()> {
    let version = earlier.version;
    match &earlier.repair {
        Repair::Nothing => {}
        Repair::Rerun(first, last) => {
            let statements = current_statements(version, first, last)?.replacen(
                "CREATE FUNCTION",
                "CREATE OR REPLACE FUNCTION",
                1,
            );
            sqlx::raw_sql(&statements).execute(&mut **tx).await?;
        }
        Repair::Sql(statements) => {
            sqlx::raw_sql(statements).execute(&mut **tx).await?;
        }
        Repair::SubProcessorPublicIds => give_sub_processors_public_ids(tx).await?,
        Repair::Renumbered { to } => {
            let target = current(*to)?;
            sqlx::query(
                "UPDATE _sqlx_migrations SET version = $2, description = $3
                 WHERE version = $1
                   AND NOT EXISTS (SELECT 1 FROM _sqlx_migrations WHERE version = $2)",
            )
            .bind(version)
            .bind(to)
            .bind(target.description.as_ref())
            .execute(&mut **tx)
            .await?;
            return Ok(());
        }
    }
    sqlx::query("UPDATE _sqlx_migrations SET checksum = $2 WHERE version = $1")
        .bind(version)
        .bind(current(version)?.checksum.as_ref())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn current(version: i64) -> anyhow::Result<&'static sqlx::migrate::Migration> {
    MIGRATOR
        .iter()
        .find(|m| m.version == version)
        .with_context(|| format!("migration {version:04} is missing"))
}

/// The lines of `version`'s current text from the one starting with `first` through the next
/// one ending with `last`.
fn current_statements(version: i64, first: &str, last: &str) -> anyhow::Result<String> {
    let text = &current(version)?.sql;
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with(first))
        .with_context(|| format!("{first:?} is not in migration {version:04}"))?;
    let end = lines[start..]
        .iter()
        .position(|l| l.ends_with(last))
        .with_context(|| format!("{last:?} does not follow {first:?} in {version:04}"))?;
    Ok(lines[start..=start + end].join("\n"))
}

/// 0006's `public_id text NOT NULL UNIQUE` on `org_sub_processors`, added to a table made
/// without it: each row gets a public id as the portal makes them, then the constraints
/// (named as `CREATE TABLE` names them).
async fn give_sub_processors_public_ids(
    tx: &mut Transaction<'static, Postgres>,
) -> anyhow::Result<()> {
    sqlx::raw_sql("ALTER TABLE org_sub_processors ADD COLUMN IF NOT EXISTS public_id text")
        .execute(&mut **tx)
        .await?;
    let without: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT id FROM org_sub_processors WHERE public_id IS NULL")
            .fetch_all(&mut **tx)
            .await?;
    for id in without {
        sqlx::query("UPDATE org_sub_processors SET public_id = $2 WHERE id = $1")
            .bind(id)
            .bind(PublicId::from_random(IdKind::SubProcessor, random_16()).as_str())
            .execute(&mut **tx)
            .await?;
    }
    sqlx::raw_sql(
        "ALTER TABLE org_sub_processors ALTER COLUMN public_id SET NOT NULL;
         DO $$ BEGIN
           IF NOT EXISTS (SELECT 1 FROM pg_constraint
                          WHERE conname = 'org_sub_processors_public_id_key') THEN
             ALTER TABLE org_sub_processors
               ADD CONSTRAINT org_sub_processors_public_id_key UNIQUE (public_id);
           END IF;
         END $$;",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `migrations/CHECKSUMS`: version, SHA-384 and file of every landed migration.
    const LANDED: &str = include_str!("../../migrations/CHECKSUMS");

    fn landed() -> Vec<(i64, &'static str, &'static str)> {
        LANDED
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let mut fields = l.split_whitespace();
                let version = fields.next().unwrap().parse().unwrap();
                (version, fields.next().unwrap(), fields.next().unwrap())
            })
            .collect()
    }

    fn file_name(m: &sqlx::migrate::Migration) -> String {
        format!("{:04}_{}.sql", m.version, m.description.replace(' ', "_"))
    }

    #[test]
    fn no_landed_migration_has_changed_and_every_migration_is_listed() {
        let landed = landed();
        let mut problems = Vec::new();
        for m in MIGRATOR.iter() {
            let checksum = hex::encode(&m.checksum);
            match landed.iter().find(|(v, _, _)| *v == m.version) {
                Some((_, listed, _)) if *listed == checksum => {}
                Some(_) => problems.push(format!(
                    "{} has changed since it landed: a landed migration is never edited (sqlx \
                     refuses to start on a database that applied it); restore it and add a new \
                     migration instead",
                    file_name(m)
                )),
                None => problems.push(format!(
                    "{} is not in migrations/CHECKSUMS: add the line `{:04} {checksum} {}`",
                    file_name(m),
                    m.version,
                    file_name(m)
                )),
            }
        }
        for (version, _, file) in &landed {
            if !MIGRATOR.version_exists(*version) {
                problems.push(format!(
                    "{file} landed and is gone: a landed migration is never removed"
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn each_earlier_text_is_of_a_current_migration_and_its_repair_finds_what_it_runs() {
        for earlier in EARLIER_TEXTS {
            let now = current(earlier.version).unwrap();
            assert_ne!(
                hex::encode(&now.checksum),
                earlier.checksum,
                "{}",
                earlier.version
            );
            match &earlier.repair {
                Repair::Rerun(first, last) => {
                    let statements = current_statements(earlier.version, first, last).unwrap();
                    assert!(statements.ends_with(last), "{statements}");
                }
                // The record moves to a version whose text is the one applied.
                Repair::Renumbered { to } => {
                    assert_eq!(
                        hex::encode(&current(*to).unwrap().checksum),
                        earlier.checksum
                    );
                }
                Repair::Nothing | Repair::Sql(_) | Repair::SubProcessorPublicIds => {}
            }
        }
    }

    #[test]
    fn the_rerun_statements_are_whole() {
        let constraint = current_statements(
            5,
            "ALTER TABLE application_events DROP CONSTRAINT",
            "'transcript_attached'));",
        )
        .unwrap();
        assert_eq!(constraint.matches(';').count(), 2, "{constraint}");
        let function =
            current_statements(27, "CREATE FUNCTION consent_latest_appended()", "$$;").unwrap();
        assert!(function.contains("RETURN NULL;\nEND;\n$$;"), "{function}");
    }
}
