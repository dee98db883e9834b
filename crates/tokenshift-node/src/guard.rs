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

/// Whether this environment can still take new JS values. A worker terminated while an async task ran
/// completes the task on a dying environment; napi-rs then leaks the buffers of every typed array it
/// fails to hand over. Probing first lets the result drop in Rust instead.
pub fn ensure_env_alive(env: &napi::Env) -> napi::Result<()> {
    let mut data = std::ptr::null_mut();
    let mut value = std::ptr::null_mut();
    // SAFETY: a zero-length ArrayBuffer on the env's own thread (resolve runs there); nothing is kept.
    let status = unsafe { napi::sys::napi_create_arraybuffer(env.raw(), 0, &mut data, &mut value) };
    if status == napi::sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::from_reason(
            "the JavaScript environment is shutting down",
        ))
    }
}
