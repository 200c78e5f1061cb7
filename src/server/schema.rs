//! `GET /api/schema`: the JSON Schema of the facts, as `calc schema` prints it.

use axum::extract::State;
use axum::response::Response;

use super::AppState;
use super::evaluate::json;

pub async fn handler(State(state): State<AppState>) -> Response {
    json(state.schema.clone())
}
