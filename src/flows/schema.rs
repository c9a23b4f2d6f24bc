//! The JSON the flows take and give, declared once: an onboarding spec and its parts, a report
//! and its steps, a bulk run's progress. The spec reader knows its fields from here, tests hold
//! the reports to it, and the catalog exports it, whence the TypeScript and Python types are
//! generated.

use serde_json::{json, Value};

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A string.
    Text,
    /// `true` or `false`.
    Flag,
    /// A whole number.
    Count,
    /// Seconds, with a fraction.
    Seconds,
    /// A string that holds a secret: hosts mask it.
    Secret,
    /// One of these strings.
    Literal(&'static [&'static str]),
    /// A list of these.
    List(&'static Ty),
    /// This, or `null`.
    Nullable(&'static Ty),
    /// A model by name: one of [`FLOW_MODELS`] or [`FLOW_ALIASES`], or one of the operations'
    /// input models (`PolicyInput`).
    Model(&'static str),
    /// The core's view of an error: `{"kind", "message", ...}` ([`crate::Error::to_json`]).
    ErrorView,
}

/// A rule across the fields of a model, beyond each field's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// None.
    None,
    /// At least one of these fields.
    AtLeastOne(&'static [&'static str]),
    /// Exactly one of these fields.
    ExactlyOne(&'static [&'static str]),
}

/// One field of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Its JSON name.
    pub name: &'static str,
    /// What it holds.
    pub ty: Ty,
    /// Whether it must be there (in a report: always there).
    pub required: bool,
    /// What it is.
    pub doc: &'static str,
}

/// A JSON object of the flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    /// Its name in every host.
    pub name: &'static str,
    /// What it is.
    pub doc: &'static str,
    /// Its fields, in the order they are written.
    pub fields: &'static [Field],
    /// A rule across them.
    pub rule: Rule,
}

impl Model {
    /// Its field names.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        self.fields.iter().map(|field| field.name)
    }
}

/// A named set of strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias {
    /// Its name in every host.
    pub name: &'static str,
    /// What it is.
    pub doc: &'static str,
    /// The strings.
    pub values: &'static [&'static str],
}

const fn field(name: &'static str, ty: Ty, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        required: false,
        doc,
    }
}

const fn required(name: &'static str, ty: Ty, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        required: true,
        doc,
    }
}

const TEXTS: Ty = Ty::List(&Ty::Text);
const STEP: Ty = Ty::Nullable(&Ty::Model("OnboardingStep"));

/// What to set up for one customer: [`OnboardingSpec`](super::OnboardingSpec).
pub const ONBOARDING_SPEC: Model = Model {
    name: "OnboardingSpec",
    doc: "What to set up for one customer. `name` is also how the account is found again; \
          `account_id` names an existing account instead (then nothing is looked up or \
          created). The `business_*` and `external_metadata` fields are the KYC fields of \
          `accounts.create`.",
    fields: &[
        field(
            "name",
            Ty::Text,
            "The account name (at most 100 characters): how the account is found again.",
        ),
        field(
            "account_id",
            Ty::Text,
            "An existing account: nothing is looked up or created, the members, service user \
             and token are set up in it.",
        ),
        field(
            "customer_ref",
            Ty::Text,
            "The partner's own reference for the customer (a CRM id, at most 200 characters): \
             the account's create key derives from it, so every run for this customer makes or \
             finds the one account its key made, and a same-name account of another customer \
             is never taken.",
        ),
        field(
            "checkpoint",
            Ty::Model("OnboardingReport"),
            "The report of an earlier run for this customer: the steps it found done are taken \
             as existing and not looked up again (a finished run's report: nothing is sent at \
             all). Its secrets are not read.",
        ),
        field(
            "type",
            Ty::Literal(&["standard", "enterprise"]),
            "The account type.",
        ),
        field(
            "unit_id",
            Ty::Text,
            "The tenant unit to create the account on.",
        ),
        field(
            "standalone",
            Ty::Flag,
            "A standalone free account, outside any organization; never with `unit_id`.",
        ),
        field(
            "business_name",
            Ty::Text,
            "KYC: the business name (at most 120 characters).",
        ),
        field(
            "business_address",
            Ty::Text,
            "KYC: the business address (at most 120 characters).",
        ),
        field(
            "business_email",
            Ty::Text,
            "KYC: the business e-mail (at most 120 characters).",
        ),
        field(
            "business_phone",
            Ty::Text,
            "KYC: the business phone (at most 120 characters).",
        ),
        field(
            "external_metadata",
            Ty::Text,
            "KYC: the partner's metadata (at most 120 characters).",
        ),
        field(
            "members",
            Ty::List(&Ty::Model("MemberSpec")),
            "Members to invite, each with one kind of access.",
        ),
        field(
            "service_user",
            Ty::Nullable(&Ty::Model("ServiceUserSpec")),
            "A service user for the customer, invited and accepting its invitation as itself.",
        ),
        field(
            "token",
            Ty::Model("TokenSpec"),
            "An account-owned token for the customer (its own rate-limit budget, no service \
             user).",
        ),
        field(
            "adopt",
            Ty::Flag,
            "Onboard into an account of this name that existed before this onboarding first \
             tried. Default false: names are not unique, and another customer's account may \
             have it.",
        ),
    ],
    rule: Rule::AtLeastOne(&["name", "account_id"]),
};

/// A member to invite: [`MemberSpec`](super::MemberSpec).
pub const MEMBER_SPEC: Model = Model {
    name: "MemberSpec",
    doc: "A member to invite, with one kind of access: role names (`Administrator`) or ids \
          (roles are deprecated by the API), permission group names (`Domain Read`) or ids, \
          allowed on the whole account, or policies.",
    fields: &[
        required(
            "email",
            Ty::Text,
            "The member's e-mail (at most 90 characters).",
        ),
        field("roles", TEXTS, "Role names or ids."),
        field(
            "permission_groups",
            TEXTS,
            "Permission group names or ids, allowed on the whole account.",
        ),
        field(
            "policies",
            Ty::List(&Ty::Model("PolicyInput")),
            "Policies, with ids.",
        ),
    ],
    rule: Rule::ExactlyOne(&["roles", "permission_groups", "policies"]),
};

/// The customer's service user: [`ServiceUserSpec`](super::ServiceUserSpec).
pub const SERVICE_USER_SPEC: Model = Model {
    name: "ServiceUserSpec",
    doc: "The customer's service user.",
    fields: &[
        required("email", Ty::Text, "Its e-mail."),
        field(
            "roles",
            TEXTS,
            "Role names or ids on the account; `[\"Administrator\"]` when left out.",
        ),
    ],
    rule: Rule::None,
};

/// The customer's account-owned token: [`TokenSpec`](super::TokenSpec).
pub const TOKEN_SPEC: Model = Model {
    name: "TokenSpec",
    doc: "The customer's account-owned token, allowed its permission groups on the whole \
          account.",
    fields: &[
        required(
            "name",
            Ty::Text,
            "Its name: how it is found again after a lost answer.",
        ),
        required(
            "permission_groups",
            TEXTS,
            "Token permission group names (`Account Settings Read`) or ids; at least one.",
        ),
    ],
    rule: Rule::None,
};

/// Where a step ended: [`StepStatus`](super::StepStatus).
pub const STEP_STATUS: Alias = Alias {
    name: "StepStatus",
    doc: "Where a step ended: `created` by this run (an invitation: accepted), `existed` \
          already, `conflict` (an account of the name was there before this onboarding and was \
          not touched), `failed` (see `error`), or `pending` (not reached).",
    values: &["created", "existed", "conflict", "failed", "pending"],
};

/// One thing the flow set up: [`Step`](super::Step).
pub const ONBOARDING_STEP: Model = Model {
    name: "OnboardingStep",
    doc: "One thing the flow set up.",
    fields: &[
        required("target", Ty::Text, "The account name, or the e-mail."),
        required("id", Ty::Nullable(&Ty::Text), "Its id, once known."),
        required("status", Ty::Model("StepStatus"), "Where it ended."),
        required(
            "error",
            Ty::Nullable(&Ty::ErrorView),
            "Why it failed: the error's view (`kind`, `message`, ...).",
        ),
        required(
            "reconciled",
            Ty::Flag,
            "True when an unknown outcome (a 502, a lost connection) was resolved by looking \
             (it was not resent blindly).",
        ),
    ],
    rule: Rule::None,
};

/// What an onboarding did: [`Report`](super::Report).
pub const ONBOARDING_REPORT: Model = Model {
    name: "OnboardingReport",
    doc: "What an onboarding did. Hand it back as the next run's `checkpoint`.",
    fields: &[
        required("account", Ty::Model("OnboardingStep"), "The account."),
        required(
            "members",
            Ty::List(&Ty::Model("OnboardingStep")),
            "Each invitation, the service user's last.",
        ),
        required("service_user", STEP, "The service user."),
        required(
            "api_key",
            Ty::Nullable(&Ty::Secret),
            "The new service user's API key, when this run created it and its answer arrived: \
             act as the user with it.",
        ),
        required(
            "invitation",
            STEP,
            "The service user accepting its invitation, as itself.",
        ),
        required("token", STEP, "The account-owned token."),
        required(
            "token_value",
            Ty::Nullable(&Ty::Secret),
            "The token's value, when this run created it (or rolled it, after a create whose \
             answer was lost); it is never shown again.",
        ),
        required(
            "complete",
            Ty::Flag,
            "True when every step is `created` or `existed`.",
        ),
    ],
    rule: Rule::None,
};

/// Where a bulk run is: [`Progress`](super::Progress).
pub const PROGRESS: Model = Model {
    name: "Progress",
    doc: "Where a run of many onboardings is, told after each answer.",
    fields: &[
        required("done", Ty::Count, "Onboardings over and complete."),
        required(
            "failed",
            Ty::Count,
            "Onboardings over and not complete (a step failed, or the account was a conflict).",
        ),
        required(
            "remaining",
            Ty::Count,
            "Onboardings not over yet: running, or waiting for a place.",
        ),
        required(
            "requests",
            Ty::Count,
            "Requests handed to the transport so far, retries included.",
        ),
        required(
            "current_wait",
            Ty::Seconds,
            "Seconds the run is waiting when nothing can be sent (the pacer, a server's wait); \
             else 0.",
        ),
    ],
    rule: Rule::None,
};

/// Every model of the flows, each after the models it holds where it can be.
pub const FLOW_MODELS: &[Model] = &[
    MEMBER_SPEC,
    SERVICE_USER_SPEC,
    TOKEN_SPEC,
    ONBOARDING_SPEC,
    ONBOARDING_STEP,
    ONBOARDING_REPORT,
    PROGRESS,
];

/// Every named set of strings of the flows.
pub const FLOW_ALIASES: &[Alias] = &[STEP_STATUS];

/// The declarations as data, for the catalog: `{"models": [...], "aliases": [...]}`.
pub fn to_json() -> Value {
    let models = FLOW_MODELS.iter().map(|model| {
        let fields = model.fields.iter().map(|field| {
            json!({
                "name": field.name,
                "type": ty_json(field.ty),
                "required": field.required,
                "doc": field.doc,
            })
        });
        let rule = match model.rule {
            Rule::None => Value::Null,
            Rule::AtLeastOne(names) => json!({"at_least_one": names}),
            Rule::ExactlyOne(names) => json!({"exactly_one": names}),
        };
        json!({
            "name": model.name,
            "doc": model.doc,
            "fields": fields.collect::<Vec<_>>(),
            "rule": rule,
        })
    });
    let aliases = FLOW_ALIASES
        .iter()
        .map(|alias| json!({"name": alias.name, "doc": alias.doc, "values": alias.values}));
    json!({
        "models": models.collect::<Vec<_>>(),
        "aliases": aliases.collect::<Vec<_>>(),
    })
}

fn ty_json(ty: Ty) -> Value {
    match ty {
        Ty::Text => json!({"type": "text"}),
        Ty::Flag => json!({"type": "flag"}),
        Ty::Count => json!({"type": "count"}),
        Ty::Seconds => json!({"type": "seconds"}),
        Ty::Secret => json!({"type": "secret"}),
        Ty::ErrorView => json!({"type": "error_view"}),
        Ty::Literal(values) => json!({"type": "literal", "values": values}),
        Ty::List(inner) => json!({"type": "list", "items": ty_json(*inner)}),
        Ty::Nullable(inner) => json!({"type": "nullable", "of": ty_json(*inner)}),
        Ty::Model(name) => json!({"type": "model", "name": name}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::{Progress, Report, Step, StepStatus};

    fn keys(value: &Value) -> Vec<&str> {
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        keys
    }

    fn declared(model: &Model) -> Vec<&'static str> {
        let mut names: Vec<&str> = model.names().collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn what_the_flows_write_is_what_is_declared() {
        let step = Step::new("Acme");
        assert_eq!(keys(&step.to_json()), declared(&ONBOARDING_STEP));
        let report = Report {
            account: step,
            members: Vec::new(),
            service_user: None,
            api_key: None,
            invitation: None,
            token: None,
            token_value: None,
            complete: false,
        };
        assert_eq!(keys(&report.to_json()), declared(&ONBOARDING_REPORT));
        assert_eq!(keys(&Progress::default().to_json()), declared(&PROGRESS));
        let secrets = ONBOARDING_REPORT
            .fields
            .iter()
            .filter(|f| f.ty == Ty::Nullable(&Ty::Secret));
        assert_eq!(
            secrets.map(|f| f.name).collect::<Vec<_>>(),
            Report::SECRET_FIELDS
        );
        let statuses = [
            StepStatus::Created,
            StepStatus::Existed,
            StepStatus::Conflict,
            StepStatus::Failed,
            StepStatus::Pending,
        ];
        let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, STEP_STATUS.values);
    }

    #[test]
    fn every_model_named_is_declared_or_an_input_model() {
        fn named(ty: Ty) -> Option<&'static str> {
            match ty {
                Ty::Model(name) => Some(name),
                Ty::List(inner) | Ty::Nullable(inner) => named(*inner),
                _ => None,
            }
        }
        for model in FLOW_MODELS {
            for field in model.fields {
                if let Some(name) = named(field.ty) {
                    let known = FLOW_MODELS.iter().any(|m| m.name == name)
                        || FLOW_ALIASES.iter().any(|a| a.name == name)
                        || name == "PolicyInput";
                    assert!(known, "{}.{} names {name}", model.name, field.name);
                }
            }
            if let Rule::AtLeastOne(names) | Rule::ExactlyOne(names) = model.rule {
                assert!(names.iter().all(|n| model.names().any(|f| f == *n)));
            }
        }
    }
}
