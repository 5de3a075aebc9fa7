//! The machine's ceiling for the load benchmark (`scripts/bench`): a bare axum route answering a
//! fixed 20 KB HTML page, on the same runtime as the portal. Every page's throughput is reported
//! as a fraction of this one's. Usage: `ceiling [ADDR]` (default 127.0.0.1:3999).

use axum::{response::Html, routing::get, Router};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3999".into());
    let row = "<tr><td>Candidate name</td><td>applied</td><td>2026-01-01</td></tr>\n";
    let mut page =
        String::from("<!DOCTYPE html><html><head><title>Ceiling</title></head><body><table>\n");
    while page.len() < 20 * 1024 - 30 {
        page.push_str(row);
    }
    page.push_str("</table></body></html>\n");
    let page: &'static str = page.leak();
    let app = Router::new().route("/", get(move || async move { Html(page) }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("ceiling page of {} bytes on http://{addr}/", page.len());
    axum::serve(listener, app).await?;
    Ok(())
}
