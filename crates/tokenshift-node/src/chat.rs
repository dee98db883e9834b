use napi_derive::napi;
use tokenshift_core::chat::ChatTemplate;

use crate::guard::guard;

/// A compiled chat template.
#[napi]
pub struct NativeChatTemplate {
    inner: ChatTemplate,
}

#[napi]
impl NativeChatTemplate {
    #[napi(constructor)]
    pub fn new(source: String) -> napi::Result<Self> {
        guard(|| ChatTemplate::new(&source)).map(|inner| Self { inner })
    }

    /// `context_json`: `{messages, add_generation_prompt, tools?, documents?, bos_token?, eos_token?, …}`.
    #[napi]
    pub fn render(&self, context_json: String) -> napi::Result<String> {
        guard(|| self.inner.render_context_json(&context_json))
    }
}
