use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`, turning its error or any panic into a `napi::Error` with a readable message.
pub fn guard<T>(f: impl FnOnce() -> tokenshift_core::Result<T>) -> napi::Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(to_napi(error)),
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(napi::Error::from_reason(format!(
                "internal error in tokenshift (please report): {detail}"
            )))
        }
    }
}

pub fn to_napi(error: tokenshift_core::Error) -> napi::Error {
    napi::Error::from_reason(error.to_string())
}
