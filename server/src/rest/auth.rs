//! The API's guard (S2 for integrations): every handler takes an [`Integration`], so no endpoint
//! runs without an authenticated key; scopes are checked by the use case.

use super::problem::Problem;
use axum::extract::FromRequestParts;
use candor_app::backend::{api_keys, api_keys::ApiCaller, request::RequestMeta, state::AppState};
use candor_app::error::AppError;
use http::request::Parts;
use serde::de::DeserializeOwned;

pub struct Integration {
    pub caller: ApiCaller,
    pub meta: RequestMeta,
}

impl Integration {
    pub fn problem(&self, error: AppError) -> Problem {
        Problem::new(error, &self.meta.request_id)
    }
}

fn meta_of(parts: &Parts) -> RequestMeta {
    parts
        .extensions
        .get::<RequestMeta>()
        .cloned()
        .expect("the request-meta middleware runs before every route")
}

impl FromRequestParts<AppState> for Integration {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let meta = meta_of(parts);
        let presented = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        let caller = api_keys::authenticate(state, &meta, presented)
            .await
            .map_err(|e| Problem::new(e, &meta.request_id))?;
        Ok(Self { caller, meta })
    }
}

/// Query parameters, with a malformed query answered as a problem (400) that names the parameter
/// and what it takes, never in the parser's words.
pub struct Params<T>(pub T);

/// What each query parameter of the API takes.
fn expected(parameter: &str) -> &'static str {
    match parameter {
        "limit" => "an integer from 1 to 100",
        "cursor" => "the next_cursor of a previous page",
        "recruitment" => "a recruitment id (rec_…)",
        _ => "a value of the form the API documents",
    }
}

fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let mut names: Vec<&str> = pairs.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    if let Some(twice) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(AppError::BadRequest {
            message: format!("{} is given more than once; give it once.", twice[0]),
        });
    }
    let deserializer =
        serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let parameter = e.path().to_string();
        AppError::BadRequest {
            message: match parameter.as_str() {
                "" | "." => {
                    "The query string is not valid: give each parameter as name=value.".to_owned()
                }
                name => format!("{name} must be {}.", expected(name)),
            },
        }
    })
}

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Problem> {
        parse_query(parts.uri.query().unwrap_or_default())
            .map(Params)
            .map_err(|e| Problem::new(e, &meta_of(parts).request_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Page {
        limit: Option<i64>,
        #[allow(dead_code, reason = "only its parsing matters here")]
        cursor: Option<String>,
    }

    fn refusal(query: &str) -> String {
        match parse_query::<Page>(query) {
            Err(AppError::BadRequest { message }) => message,
            other => panic!("{query}: {other:?}"),
        }
    }

    #[test]
    fn a_bad_query_names_the_parameter_and_what_it_takes() {
        assert_eq!(parse_query::<Page>("limit=5").unwrap().limit, Some(5));
        assert_eq!(parse_query::<Page>("").unwrap().limit, None);
        for query in [
            "limit=ten",
            "limit=99999999999999999999",
            "limit=1.5",
            "limit=",
        ] {
            assert_eq!(
                refusal(query),
                "limit must be an integer from 1 to 100.",
                "{query}"
            );
        }
        assert_eq!(
            refusal("limit=1&limit=2"),
            "limit is given more than once; give it once."
        );
    }
}
