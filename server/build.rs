// `sqlx::migrate!` embeds the migrations when the crate compiles; without this, a migration added
// after the last build is missing from the binary (it then refuses to start on a database that
// has it), since cargo sees no source change.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
