//! Template bombs that build one huge value from items they share rather than copy (issue #24): each must
//! fail with the work-limit error, fast and in bounded memory, where minijinja 3.1.0 as published aborts the
//! process on a failed allocation of gigabytes. Real templates' use of the same filters is unchanged.

use std::time::{Duration, Instant};

use serde_json::json;
use tokenshift_core::chat::{ChatTemplate, RenderInput};

const SHARED: &str = "([messages[0].content] * 1000000)";

fn size_bombs() -> Vec<(&'static str, String)> {
    vec![
        ("join filter", format!("{{{{ {SHARED}|join('') }}}}")),
        ("str.join", format!("{{{{ ''.join({SHARED}) }}}}")),
        ("printed list", format!("{{{{ {SHARED} }}}}")),
        ("string filter", format!("{{{{ {SHARED}|string|length }}}}")),
        ("concatenation", format!("{{{{ ({SHARED} ~ '')|length }}}}")),
        ("pprint", format!("{{{{ {SHARED}|pprint|length }}}}")),
        ("format", format!("{{{{ '%s'|format({SHARED})|length }}}}")),
        ("lower of a list", format!("{{{{ {SHARED}|lower|length }}}}")),
        ("reversed join", format!("{{{{ {SHARED}|reverse|join('')|length }}}}")),
        ("tojson", format!("{{{{ {SHARED}|tojson|length }}}}")),
        ("tojson of a map", format!("{{{{ dict(a={SHARED})|tojson|length }}}}")),
        ("tojson indent", "{{ [[[[messages]]]]|tojson(indent=1000000000)|length }}".into()),
        ("replace chain", "{{ messages[0].content.replace('a', messages[0].content).replace('a', messages[0].content)|length }}".into()),
        (
            "nested shared lists",
            "{% set l = [messages[0].content] * 1000 %}{% set m = [l] * 1000 %}{{ m|join('')|length }}".into(),
        ),
        (
            "doubled list joined",
            "{% set ns = namespace(l=[messages[0].content]) %}{% for i in range(25) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|join('') }}".into(),
        ),
    ]
}

#[test]
fn values_built_from_shared_items_are_bounded_by_the_work_limit() {
    let messages = json!([{"role": "user", "content": "a".repeat(10_000)}]);
    for (kind, source) in size_bombs() {
        let template = ChatTemplate::new(&source).unwrap_or_else(|e| panic!("{kind}: {e}"));
        let started = Instant::now();
        let error = template
            .render(&RenderInput {
                messages: &messages,
                ..Default::default()
            })
            .expect_err(kind)
            .to_string();
        assert!(error.contains("work limit"), "{kind}: {error}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{kind} took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn the_same_filters_on_ordinary_values_render_as_before() {
    let messages = json!([
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "hi", "tool_calls": [{"name": "f", "arguments": {"x": 1}}]}
    ]);
    for (source, expected) in [
        (
            "{{ messages|map(attribute='content')|join(', ') }}",
            "hello, hi",
        ),
        (
            "{{ ', '.join(['a', 'b', messages[1].content]) }}",
            "a, b, hi",
        ),
        ("{{ [messages[0].content] * 2 }}", "['hello', 'hello']"),
        (
            "{{ messages[1].tool_calls|tojson }}",
            "[{\"name\": \"f\", \"arguments\": {\"x\": 1}}]",
        ),
        (
            "{{ messages[1].tool_calls[0].arguments|tojson(indent=2) }}",
            "{\n  \"x\": 1\n}",
        ),
        (
            "{{ messages[1].tool_calls[0].arguments|tojson(2) }}",
            "{\n  \"x\": 1\n}",
        ),
        ("{{ (messages|length) ~ ':' ~ [1, 2]|string }}", "2:[1, 2]"),
        ("{{ '%s!'|format(messages[0].content) }}", "hello!"),
    ] {
        let rendered = ChatTemplate::new(source)
            .expect("compiles")
            .render(&RenderInput {
                messages: &messages,
                ..Default::default()
            })
            .unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(rendered, expected, "{source}");
    }
}
