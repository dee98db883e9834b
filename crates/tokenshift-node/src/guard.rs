use tokenshift_core::panics::catch_quietly;

/// Runs `f`, turning its error or any panic into a `napi::Error` with a readable message (the panic's
/// text goes into the error, not onto stderr).
pub fn guard<T>(f: impl FnOnce() -> tokenshift_core::Result<T>) -> napi::Result<T> {
    match catch_quietly(f) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(to_napi(error)),
        Err(detail) => Err(internal(&detail)),
    }
}

/// Marks the machine-readable head of a native error's message: `\u{1}{json}\u{1}` then the message.
/// The JSON holds `code` (see `tokenshift_core::Error::code`) and, for records, `record`, `field` and
/// `detail`. The TS facade (`src/backend/native-errors.ts`) reads it; nobody matches message wording.
const HEAD: char = '\u{1}';

pub fn to_napi(error: tokenshift_core::Error) -> napi::Error {
    let mut head = serde_json::json!({ "code": error.code() });
    if let tokenshift_core::Error::Record {
        record,
        field,
        message,
    } = &error
    {
        head["record"] = (*record).into();
        head["field"] = field.as_str().into();
        head["detail"] = message.as_str().into();
    }
    napi::Error::from_reason(format!("{HEAD}{head}{HEAD}{error}"))
}

/// An error of the binding itself (no core error behind it), with its code.
pub fn coded(code: &str, message: &str) -> napi::Error {
    let head = serde_json::json!({ "code": code });
    napi::Error::from_reason(format!("{HEAD}{head}{HEAD}{message}"))
}

/// A panic: a bug in tokenshift, never the input's fault.
fn internal(detail: &str) -> napi::Error {
    coded(
        "INTERNAL",
        &format!("internal error in tokenshift (please report): {detail}"),
    )
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
        Err(coded(
            "ENVIRONMENT_CLOSING",
            "the JavaScript environment is shutting down",
        ))
    }
}
