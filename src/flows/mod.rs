//! Multi-step flows as sans-IO state machines: the flow says what to send (or how long to
//! wait), the host sends it and feeds back what happened. Retries, reconciliation after an
//! unknown outcome, and pagination all live here, so every host runs the same logic.

pub mod bulk;
pub mod onboarding;
pub mod schema;

pub use bulk::{Bulk, BulkAction, Progress};
pub use onboarding::{
    Action, MemberSpec, Onboarding, OnboardingSpec, Report, Resolved, ServiceUserSpec, Step,
    StepStatus, TokenSpec,
};
