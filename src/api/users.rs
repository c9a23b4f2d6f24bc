//! `users.create`: a service user per customer (tenant only). Its `api_key` lets the partner
//! act as that user, so one busy customer cannot use up the rate limit of all the others.

use super::{members::MAX_EMAIL, operation, CreatedUser};

operation! {
    /// `users.create`: creates a service user; the result holds its `api_key`.
    pub struct CreateUser {
        /// The new user's e-mail, e.g. `<customer id>@yourdomain`.
        pub email: String = body(Name(MAX_EMAIL)).required(),
    }
    name: "users.create",
    method: POST,
    path: "/users",
    result: CreatedUser,
    body: true,
    secret: ["api_key"],
}
