//! API errors: a stable machine-readable code (whose HTTP status the api crate fixes),
//! a human message, and typed detail — the envelope of `govcheck_api::ErrorBody`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use govcheck_api::{ErrorBody, ErrorCode, ErrorDetail, ErrorObject};
use govcheck_store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Extra data: the current state of a finding on a refused event, and on a
    /// conflict who changed it last.
    pub detail: Option<Box<ErrorDetail>>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            detail: None,
        }
    }
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::BadRequest, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, message)
    }
    pub fn unauthorized() -> ApiError {
        ApiError::new(ErrorCode::Unauthorized, "a valid bearer token is required")
    }
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Forbidden, message)
    }
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Internal, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody {
            error: ErrorObject {
                code: self.code,
                message: self.message,
                detail: self.detail,
            },
        };
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let code = match &e {
            StoreError::Conflict { .. } => ErrorCode::Conflict,
            StoreError::Rejected(govcheck_domain::registry::ApplyError::UnknownFinding(_)) => {
                ErrorCode::NotFound
            }
            StoreError::Rejected(_) => ErrorCode::NotAllowed,
            StoreError::Input(_) | StoreError::TooLong(_) => ErrorCode::BadInput,
            StoreError::Busy { .. } => ErrorCode::Busy,
            _ => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}
