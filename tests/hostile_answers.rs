//! Answers and input an attacker would send, read by the core alone: secrets stay out of every
//! error surface, deep bodies are refused before any host's parser meets them, and bad
//! credentials, base URLs and ids never become a request.

use cloudflare_tenant::api::accounts::GetAccount;
use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::{parse_response_named, Client, Credentials, Error};

const SECRET: &str = "hostile-secret-api-key-7f3a9c";

/// Every surface of an error a user could log: Display, Debug, the JSON view.
fn surfaces(error: &Error) -> String {
    format!("{error}\n{error:?}\n{}", error.to_json())
}

#[test]
fn undecodable_answers_to_a_secret_bearing_create_never_show_the_secret() {
    let user = format!(
        r#"{{"id":"0123456789abcdef0123456789abcdef","email":"svc@example.com","api_key":"{SECRET}""#
    );
    let bodies = [
        // A field of the wrong type.
        format!(
            r#"{{"success":true,"errors":[],"messages":[],"result":{user},"two_factor_authentication":"yes"}}}}"#
        ),
        format!(r#"{{"success":true,"errors":[],"messages":[],"result":{user},"id":12345}}}}"#)
            .replacen(r#""id":"0123456789abcdef0123456789abcdef","#, "", 1),
        // No `success`.
        format!(r#"{{"errors":[],"messages":[],"result":{user}}}}}"#),
        // Trailing bytes.
        format!(r#"{{"success":true,"errors":[],"messages":[],"result":{user}}}}}garbage"#),
        // Cut off.
        format!(r#"{{"success":true,"errors":[],"messages":[],"result":{user},"first_na"#),
        // HTML.
        format!("<html><body>created {SECRET}</body></html>"),
        // The secret of a failed create.
        format!(
            r#"{{"success":false,"errors":[{{"code":10000,"message":"boom"}}],"messages":[],"result":{user}}}}}"#
        ),
    ];
    for body in &bodies {
        for status in [200, 201, 500, 502] {
            let error =
                parse_response_named("users.create", status, &HeaderMap::new(), body.as_bytes())
                    .expect_err(body);
            let shown = surfaces(&error);
            assert!(!shown.contains(SECRET), "{shown}");
            if let Error::Decode(e) = &error {
                assert!(!e.snippet.contains(SECRET), "{}", e.snippet);
                assert!(!e.reason.contains(SECRET), "{}", e.reason);
            }
        }
    }
    // What can be shown still is: the masked body, and the field at fault.
    let error = parse_response_named("users.create", 200, &HeaderMap::new(), bodies[0].as_bytes())
        .unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("{error:?}")
    };
    assert!(
        decode.snippet.contains(r#""api_key":"***""#),
        "{}",
        decode.snippet
    );
    assert!(
        decode.reason.contains("two_factor_authentication"),
        "{}",
        decode.reason
    );
}

#[test]
fn operations_without_secrets_keep_their_whole_snippet() {
    let body = br#"<html>502 Bad Gateway</html>"#;
    match parse_response_named("accounts.get", 502, &HeaderMap::new(), body) {
        Err(Error::Decode(e)) => assert_eq!(e.snippet, "<html>502 Bad Gateway</html>"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bodies_nested_past_128_are_refused_unknown_members_included() {
    let deep = |depth: usize, inside_result: bool| {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        if inside_result {
            format!(
                r#"{{"success":true,"errors":[],"messages":[],"result":{{"id":"0123456789abcdef0123456789abcdef","extra":{nested}}}}}"#
            )
        } else {
            format!(
                r#"{{"success":true,"errors":[],"messages":[],"result":{{"id":"0123456789abcdef0123456789abcdef"}},"unknown":{nested}}}"#
            )
        }
    };
    for inside_result in [false, true] {
        // 126 arrays inside the envelope (and the result): at the limit, read.
        let at_limit = if inside_result { 126 } else { 127 };
        let body = deep(at_limit, inside_result);
        parse_response_named("accounts.get", 200, &HeaderMap::new(), body.as_bytes())
            .unwrap_or_else(|e| panic!("{at_limit} deep: {e}"));
        for depth in [at_limit + 1, 1_000, 1_000_000] {
            let body = deep(depth, inside_result);
            let error =
                parse_response_named("accounts.get", 200, &HeaderMap::new(), body.as_bytes())
                    .unwrap_err();
            assert!(
                matches!(&error, Error::Decode(e) if e.reason.contains("nested deeper than 128")),
                "{error}"
            );
            let typed = Client::default().response::<GetAccount>(
                &cloudflare_tenant::http::Response::builder()
                    .status(200)
                    .body(body.as_bytes())
                    .unwrap(),
            );
            assert!(matches!(typed, Err(Error::Decode(_))));
        }
    }
    // Brackets inside strings, escaped quotes included, are text, not nesting.
    let text = format!(r#"\"{}"#, "[".repeat(500));
    let body = format!(
        r#"{{"success":true,"errors":[],"messages":[],"result":{{"id":"0123456789abcdef0123456789abcdef","name":"{text}"}}}}"#
    );
    parse_response_named("accounts.get", 200, &HeaderMap::new(), body.as_bytes()).unwrap();
}

#[test]
fn credentials_must_be_visible_ascii_and_are_never_echoed() {
    for bad in [
        "tökén-123",
        "token\u{7f}",
        "token\u{0}x",
        "tok\ren",
        "токен",
        "tok en",
    ] {
        for made in [
            Credentials::api_token(bad),
            Credentials::global_key("partner@example.com", bad),
            Credentials::user_service_key(bad),
        ] {
            let error = made.expect_err(bad);
            assert!(matches!(&error, Error::Invalid(_)), "{error:?}");
            assert!(!surfaces(&error).contains(bad), "{}", surfaces(&error));
        }
    }
    let error = Credentials::global_key("pärtner@example.com", "key").unwrap_err();
    assert!(
        matches!(&error, Error::Invalid(i) if i.field == "api_email"),
        "{error:?}"
    );
}

#[test]
fn a_base_url_with_credentials_in_it_is_refused() {
    for url in [
        "https://user:hunter2@api.example.com/client/v4",
        "http://hunter2@127.0.0.1:8080/client/v4",
    ] {
        let error = Client::default().with_base_url(url).unwrap_err();
        assert!(
            matches!(&error, Error::Invalid(i) if i.field == "base_url"),
            "{error:?}"
        );
        assert!(
            !surfaces(&error).contains("hunter2"),
            "{}",
            surfaces(&error)
        );
    }
    assert!(Client::default()
        .with_base_url("http://127.0.0.1:8080/client/v4")
        .is_ok());
}

#[test]
fn ids_are_32_lowercase_hex_characters() {
    let client = Client::new(Credentials::api_token("token").unwrap());
    let upper = GetAccount {
        account_id: "0123456789ABCDEF0123456789ABCDEF".into(),
    };
    let error = client.request(&upper).unwrap_err();
    assert!(
        matches!(&error, Error::Invalid(i) if i.field == "account_id" && i.reason.contains("lowercase")),
        "{error:?}"
    );
    let lower = GetAccount {
        account_id: "0123456789abcdef0123456789abcdef".into(),
    };
    assert!(client.request(&lower).is_ok());
}
