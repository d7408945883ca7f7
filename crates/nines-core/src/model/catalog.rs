//! The catalog: everything loaded from a set of spec files, in one model.

use crate::model::{
    ErrorBudgetPolicy, Indicator, Labels, MemberSource, NoData, Objective, Origin, Ownership,
    Review, Sla, Sli, Slo,
};

/// One series nines measures: an objective of an SLO with its own SLI, or an indicator
/// member of a composite SLO.
#[derive(Clone, Copy, Debug)]
pub struct MeasuredSeries<'a> {
    /// The SLO (the composite, for a member).
    pub slo: &'a Slo,
    /// The indicator.
    pub sli: &'a Sli,
    /// The objective whose target (and threshold) applies.
    pub objective: &'a Objective,
    /// The composite member's name, for members.
    pub member: Option<&'a str>,
}

impl MeasuredSeries<'_> {
    /// The series key: [`Slo::series_key`], or `service/slo/member` for members.
    pub fn key(&self) -> String {
        match self.member {
            Some(member) => Slo::member_series_key(self.slo, member),
            None => self.slo.series_key(self.objective),
        }
    }
    /// The objective's own threshold (operator and bound), if any.
    pub fn threshold(&self) -> Option<(crate::model::Op, f64)> {
        self.objective
            .threshold
            .as_ref()
            .map(|threshold| (threshold.op, threshold.value))
    }
}

/// A service: the unit that owns SLOs, SLAs and (by default) an error budget policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    /// Where it was written.
    pub origin: Origin,
    /// Name, unique in a catalog.
    pub name: String,
    /// Human title.
    pub display_name: Option<String>,
    /// What the service does.
    pub description: Option<String>,
    /// Free-form labels.
    pub labels: Labels,
    /// Default ownership for the service's SLOs.
    pub ownership: Ownership,
    /// Default review for the service's SLOs.
    pub review: Review,
    /// Default error budget policy for the service's SLOs, by name.
    pub policy: Option<String>,
    /// Default rule for missing data for the service's SLOs.
    pub no_data: Option<NoData>,
    /// Default notification targets (by name) for the alerts of the service's SLOs that
    /// name none in `alerting.notify`.
    pub notify: Vec<String>,
}

impl Service {
    /// A service named `name` with nothing else set.
    pub fn new(name: impl Into<String>) -> Self {
        Service {
            origin: Origin::default(),
            name: name.into(),
            display_name: None,
            description: None,
            labels: Labels::new(),
            ownership: Ownership::default(),
            review: Review::default(),
            policy: None,
            no_data: None,
            notify: Vec::new(),
        }
    }
}

/// Where alerts go (OpenSLO AlertNotificationTarget).
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationTarget {
    /// Where it was written.
    pub origin: Origin,
    /// Name that alerting refers to.
    pub name: String,
    /// The kind: `alertmanager`, `webhook`, `email`, `slack`, `pagerduty`...
    pub kind: Option<String>,
    /// The address: a URL, an e-mail address, a channel.
    pub target: String,
    /// Further addresses of the same kind, when `target` is a list: the other
    /// Alertmanagers of an HA pair, more e-mail recipients.
    pub more_targets: Vec<String>,
    /// In words.
    pub description: Option<String>,
    /// How to deliver: secrets, headers, SMTP settings, routing filter.
    pub delivery: TargetDelivery,
}

impl NotificationTarget {
    /// Every address: `target` then `more_targets`.
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.target.as_str()).chain(self.more_targets.iter().map(String::as_str))
    }
}

/// A target's delivery settings. Secrets are references ([`SecretSource`]) read when a
/// notification is sent, so a spec never holds them and no output repeats them.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TargetDelivery {
    /// Webhook: the key of the `X-Nines-Signature` HMAC-SHA256 of the body.
    pub secret: Option<SecretSource>,
    /// Webhook: extra request headers, in spec order.
    pub headers: Vec<(String, SecretSource)>,
    /// PagerDuty: the integration's routing key.
    pub routing_key: Option<SecretSource>,
    /// E-mail: the SMTP server, `host:port`.
    pub smtp: Option<String>,
    /// E-mail: how the SMTP connection is protected; `None` means STARTTLS.
    pub tls: Option<SmtpTls>,
    /// E-mail: the sender address.
    pub from: Option<String>,
    /// E-mail: the SMTP user name.
    pub username: Option<SecretSource>,
    /// E-mail: the SMTP password.
    pub password: Option<SecretSource>,
    /// Routing: only notifications of these severities (any when empty; policy and review
    /// events have none and pass only when this is empty).
    pub match_severity: Vec<String>,
    /// Routing: only notifications whose labels hold all of these.
    pub match_labels: Labels,
}

/// How an SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (port 587), required.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only to a loopback server.
    None,
}

impl SmtpTls {
    /// The spelling in specs.
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpTls::Starttls => "starttls",
            SmtpTls::Tls => "tls",
            SmtpTls::None => "none",
        }
    }
}

/// Where a secret or header value comes from. Only `Literal` holds a value, and it is
/// refused for secrets (signing keys, routing keys, passwords).
#[derive(Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// Written in the spec (header values and user names only).
    Literal(String),
    /// An environment variable's name, read when sending (`{env: NAME}`).
    Env(String),
    /// A file's path, read when sending, trailing newline removed (`{file: path}`).
    File(String),
}

impl std::fmt::Debug for SecretSource {
    /// Never prints a literal's value.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Literal(_) => formatter.write_str("Literal(<redacted>)"),
            SecretSource::Env(name) => write!(formatter, "Env({name})"),
            SecretSource::File(path) => write!(formatter, "File({path})"),
        }
    }
}

/// A named data source (OpenSLO DataSource): a type and its connection details.
#[derive(Clone, Debug, PartialEq)]
pub struct DataSource {
    /// Where it was written.
    pub origin: Origin,
    /// Name that SLIs refer to.
    pub name: String,
    /// The source type (`Prometheus`, `Datadog`...).
    pub kind: String,
    /// Connection details, verbatim.
    pub connection: serde_json::Value,
    /// In words.
    pub description: Option<String>,
}

/// Everything loaded from a set of specs.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Catalog {
    /// Services.
    pub services: Vec<Service>,
    /// Named SLIs, each with the service it belongs to (OpenSLO SLIs have none: `None`).
    pub slis: Vec<(Option<String>, Sli)>,
    /// SLOs.
    pub slos: Vec<Slo>,
    /// SLAs.
    pub slas: Vec<Sla>,
    /// Error budget policies.
    pub policies: Vec<ErrorBudgetPolicy>,
    /// Notification targets.
    pub notification_targets: Vec<NotificationTarget>,
    /// Data sources.
    pub data_sources: Vec<DataSource>,
}

impl Catalog {
    /// Adds everything from `other`.
    pub fn extend(&mut self, other: Catalog) {
        self.services.extend(other.services);
        self.slis.extend(other.slis);
        self.slos.extend(other.slos);
        self.slas.extend(other.slas);
        self.policies.extend(other.policies);
        self.notification_targets.extend(other.notification_targets);
        self.data_sources.extend(other.data_sources);
    }
    /// A service by name.
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|service| service.name == name)
    }
    /// An SLO by service and name.
    pub fn slo(&self, service: &str, name: &str) -> Option<&Slo> {
        self.slos
            .iter()
            .find(|slo| slo.service == service && slo.name == name)
    }
    /// The SLOs of a service, in spec order.
    pub fn slos_of<'a>(&'a self, service: &'a str) -> impl Iterator<Item = &'a Slo> + 'a {
        self.slos.iter().filter(move |slo| slo.service == service)
    }
    /// An SLA by service and name.
    pub fn sla(&self, service: &str, name: &str) -> Option<&Sla> {
        self.slas
            .iter()
            .find(|sla| sla.service == service && sla.name == name)
    }
    /// The SLA an SLO serves, if it names one that exists.
    pub fn sla_of(&self, slo: &Slo) -> Option<&Sla> {
        slo.sla
            .as_deref()
            .and_then(|name| self.sla(&slo.service, name))
    }
    /// A policy by name.
    pub fn policy(&self, name: &str) -> Option<&ErrorBudgetPolicy> {
        self.policies.iter().find(|policy| policy.name == name)
    }
    /// The rule for missing data in force for an SLO: its own, its service's, or the
    /// default.
    pub fn no_data_of(&self, slo: &Slo) -> NoData {
        slo.no_data
            .or_else(|| {
                self.service(&slo.service)
                    .and_then(|service| service.no_data)
            })
            .unwrap_or_default()
    }
    /// The policy in force for an SLO: its own, or its service's.
    pub fn policy_of(&self, slo: &Slo) -> Option<&ErrorBudgetPolicy> {
        slo.policy.as_deref().and_then(|name| self.policy(name))
    }
    /// A named SLI visible from `service`: one of the service's own, or a global one.
    pub fn named_sli(&self, service: &str, name: &str) -> Option<&Sli> {
        let matches = |owner: Option<&str>| owner.is_none_or(|owner| owner == service);
        self.slis
            .iter()
            .filter(|(owner, sli)| sli.name.as_deref() == Some(name) && matches(owner.as_deref()))
            .min_by_key(|(owner, _)| owner.is_none())
            .map(|(_, sli)| sli)
    }
    /// Every series the catalog's SLOs read, in catalog order (keys may repeat when two
    /// objectives share an SLI): objectives of SLOs with a resolved SLI, then each
    /// composite's indicator members in place.
    pub fn measured_series(&self) -> Vec<MeasuredSeries<'_>> {
        let mut out = Vec::new();
        for slo in &self.slos {
            match &slo.indicator {
                Indicator::Sli(_) => {
                    let Some(sli) = slo.sli() else { continue };
                    out.extend(slo.objectives.iter().map(|objective| MeasuredSeries {
                        slo,
                        sli,
                        objective,
                        member: None,
                    }));
                }
                Indicator::Composite(composite) => {
                    for member in &composite.members {
                        if let MemberSource::Indicator { sli, objective } = &member.source {
                            let Some(sli) = sli.get() else { continue };
                            out.push(MeasuredSeries {
                                slo,
                                sli,
                                objective,
                                member: Some(&member.name),
                            });
                        }
                    }
                }
            }
        }
        out
    }
    /// Services in name order, including those only implied by SLOs.
    pub fn service_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .services
            .iter()
            .map(|service| service.name.clone())
            .chain(self.slos.iter().map(|slo| slo.service.clone()))
            .collect();
        names.sort();
        names.dedup();
        names
    }
}
