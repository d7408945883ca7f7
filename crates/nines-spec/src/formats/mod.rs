//! The spec formats nines reads, one folder each, all decoding into the same model.

pub mod native;
pub mod openslo;
pub mod pyrra;
pub mod sloth;

use crate::decode::Cx;
use crate::diag::Rule;
use crate::yaml::Node;

/// The format a document is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `apiVersion: nines/v1`.
    Native,
    /// `apiVersion: openslo/v1`.
    OpenSlo,
    /// Sloth `version: prometheus/v1`, or its Kubernetes form `sloth.slok.dev/v1`.
    Sloth,
    /// `apiVersion: pyrra.dev/v1alpha1`.
    Pyrra,
}

impl Format {
    /// The name used in origins and messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Native => "nines",
            Format::OpenSlo => "openslo",
            Format::Sloth => "sloth",
            Format::Pyrra => "pyrra",
        }
    }
}

const FORMATS_HINT: &str = "nines reads `apiVersion: nines/v1`, `apiVersion: openslo/v1`, Sloth's `version: prometheus/v1` or `apiVersion: sloth.slok.dev/v1`, and `apiVersion: pyrra.dev/v1alpha1`";

/// Tells which format `document` is in, reporting documents nines cannot read.
pub fn detect(cx: &mut Cx<'_>, document: &Node) -> Option<Format> {
    if document.as_mapping().is_none() {
        cx.report(
            Rule::UnknownDocument,
            document,
            format!(
                "a spec document must be a mapping, found {}",
                document.kind_name()
            ),
        )
        .hint(FORMATS_HINT);
        return None;
    }
    if let Some(node) = document.get("apiVersion") {
        let version = node.as_scalar().unwrap_or_default();
        let (family, known) = match version.split_once('/') {
            Some(("nines", _)) => ("nines", version == "nines/v1"),
            Some(("openslo", _)) => ("openslo", version == "openslo/v1"),
            Some(("sloth.slok.dev", _)) => ("sloth.slok.dev", version == "sloth.slok.dev/v1"),
            Some(("pyrra.dev", _)) => ("pyrra.dev", version == "pyrra.dev/v1alpha1"),
            _ => ("", false),
        };
        if known {
            return Some(match family {
                "nines" => Format::Native,
                "openslo" => Format::OpenSlo,
                "sloth.slok.dev" => Format::Sloth,
                _ => Format::Pyrra,
            });
        }
        if family.is_empty() {
            cx.report(
                Rule::UnknownDocument,
                node,
                format!("`apiVersion: {version}` is not an SLO spec format nines reads"),
            )
            .hint(FORMATS_HINT);
        } else {
            let supported = match family {
                "nines" => "nines/v1",
                "openslo" => "openslo/v1",
                "sloth.slok.dev" => "sloth.slok.dev/v1",
                _ => "pyrra.dev/v1alpha1",
            };
            cx.report(
                Rule::UnsupportedVersion,
                node,
                format!("`{version}` is not supported"),
            )
            .hint(format!("nines reads `{supported}` of this format"));
        }
        return None;
    }
    if let Some(node) = document.get("version") {
        let version = node.as_scalar().unwrap_or_default();
        if version == "prometheus/v1" {
            return Some(Format::Sloth);
        }
        cx.report(
            Rule::UnsupportedVersion,
            node,
            format!("Sloth spec `version: {version}` is not supported"),
        )
        .hint("nines reads Sloth's `version: prometheus/v1`");
        return None;
    }
    cx.report(
        Rule::UnknownDocument,
        document,
        "the document has no `apiVersion` (or Sloth `version`)",
    )
    .hint(FORMATS_HINT);
    None
}
