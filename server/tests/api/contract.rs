//! The API's contract against its standards (issue 24): an OpenAPI 3.1 document that says every
//! answer an operation can give, and RFC 9457 problem details for every refusal under `/api/v1`.

use serde_json::Value;

#[test]
fn every_answer_of_every_operation_is_described_and_refusals_are_problem_details() {
    let doc = serde_json::to_value(candor_server::rest::openapi()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 9, "{paths:?}");
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let write = method == "post";
            let mut expected = vec!["400", "401", "403", "429"];
            if write {
                expected.extend(["404", "409", "422"]);
            }
            if path.contains('{') {
                expected.push("404");
            }
            for status in expected {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} does not say it may answer {status}"
                );
            }
            for (status, response) in responses {
                let description = response["description"].as_str().unwrap_or_default();
                assert!(
                    description.len() > 10,
                    "{method} {path} {status} has no description"
                );
                let content = response["content"].as_object().unwrap();
                let expected_type = if status.starts_with('2') {
                    "application/json"
                } else {
                    "application/problem+json"
                };
                assert_eq!(
                    content.keys().collect::<Vec<_>>(),
                    [expected_type],
                    "{method} {path} {status}"
                );
                if !status.starts_with('2') {
                    assert_eq!(
                        content[expected_type]["schema"]["$ref"],
                        Value::from("#/components/schemas/ProblemDetails")
                    );
                }
            }
        }
    }
}
