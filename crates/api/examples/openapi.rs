//! Print the OpenAPI description (docs/openapi.json is this output).
fn main() {
    print!("{}", govcheck_api::openapi::to_json());
}
