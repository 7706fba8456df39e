//! App registrations, redirect URIs and webhooks, secrets and admin consent.

use super::*;

#[test]
fn applications() {
    use Expect::*;
    let create = |app: AppId, sp: u128, tenant: TenantId| Command::CreateApplication {
        app_id: app,
        home_tenant: tenant,
        display_name: "Other".into(),
        service_principal_id: g(sp),
        requested: BTreeSet::new(),
        redirect_uris: vec![],
        bot: BotRegistration::default(),
    };
    check("create", &[], create(APP2, 0xBB, T2), Pass);
    check(
        "duplicate app",
        &[],
        create(APP, 0xBB, T),
        Conflict("already exists"),
    );
    check(
        "duplicate sp",
        &[],
        create(APP2, 0xAA, T),
        Conflict("service principal"),
    );
    check(
        "no home tenant",
        &[],
        create(APP2, 0xBB, TenantId(MISSING)),
        NotFound("tenant"),
    );
    check(
        "update missing",
        &[],
        Command::UpdateApplication {
            app_id: APP2,
            display_name: Some("x".into()),
            requested: None,
            redirect_uris: None,
            bot: None,
        },
        NotFound("application"),
    );
    check(
        "rename",
        &[],
        Command::UpdateApplication {
            app_id: APP,
            display_name: Some("New".into()),
            requested: None,
            redirect_uris: None,
            bot: None,
        },
        Pass,
    );
    check(
        "rename empty",
        &[],
        Command::UpdateApplication {
            app_id: APP,
            display_name: Some(String::new()),
            requested: None,
            redirect_uris: None,
            bot: None,
        },
        Invalid("must not be empty"),
    );
}

#[test]
fn redirect_uris_and_webhooks() {
    use Expect::*;
    for good in [
        "https://bot.example.com/cb",
        "https://bot.example.com:8443/cb?x=1",
        "HTTPS://BOT.example.com",
        "http://localhost:3000/cb",
        "http://127.0.0.1/cb",
        "http://127.8.9.10:4000/cb",
        "http://LOCALHOST/cb",
        "http://[::1]:8080/cb",
        "https://[2001:db8::1]/cb",
    ] {
        check(good, &[], update_uris(&[good]), Pass);
        check(good, &[], webhook(good), Pass);
    }
    for (bad, why) in [
        ("http://bot.example.com/cb", "only for localhost"),
        ("http://10.0.0.1/cb", "only for localhost"),
        ("http://128.0.0.1/cb", "only for localhost"),
        ("http://127.0.0.256/cb", "only for localhost"),
        ("http://[::2]/cb", "only for localhost"),
        ("http://localhost.evil.com/cb", "only for localhost"),
        ("ftp://bot.example.com", "absolute https"),
        ("/relative/path", "absolute https"),
        ("https://", "no host"),
        ("https:///cb", "no host"),
        ("https://bot.example.com/cb#frag", "fragments"),
        ("https://bot.example.com/c b", "whitespace"),
        ("https://user@bot.example.com/", "user information"),
        ("https://bot.example.com:0/", "port"),
        ("https://bot.example.com:99999/", "port"),
        ("https://bot..example.com/", "malformed host"),
        ("https://[::1/cb", "unterminated"),
    ] {
        check(bad, &[], update_uris(&[bad]), Invalid(why));
        check(bad, &[], webhook(bad), Invalid(why));
    }
    let long = format!("https://bot.example.com/{}", "a".repeat(240));
    check("too long", &[], update_uris(&[&long]), Invalid("256"));
    let d = check(
        "dedup",
        &[],
        update_uris(&["https://a.example.com", "https://a.example.com"]),
        Pass,
    );
    assert_eq!(d.application(APP).map(|a| a.redirect_uris.len()), Some(1));
}

#[test]
fn secrets() {
    use Expect::*;
    let d = check("add", &[], secret(1, NOW + 3600), Pass);
    let record = d
        .application(APP)
        .and_then(|a| a.secret(SecretId(g(1))))
        .expect("secret stored");
    assert_eq!(
        (record.created_at, record.expires_at, record.hint.as_str()),
        (NOW, NOW + 3600, "abc")
    );
    check(
        "duplicate key",
        &[secret(1, NOW + 10)],
        secret(1, NOW + 3600),
        Conflict("already has secret"),
    );
    check("expired", &[], secret(1, NOW), Invalid("future"));
    check(
        "unknown app",
        &[],
        Command::AddSecret {
            app_id: APP2,
            key_id: SecretId(g(1)),
            display_name: "x".into(),
            hint: "abc".into(),
            hash: "h".into(),
            expires_at: NOW + 1,
        },
        NotFound("application"),
    );
    check(
        "long hint",
        &[],
        Command::AddSecret {
            app_id: APP,
            key_id: SecretId(g(1)),
            display_name: "x".into(),
            hint: "abcd".into(),
            hash: "h".into(),
            expires_at: NOW + 1,
        },
        Invalid("hint"),
    );
    check(
        "no hash",
        &[],
        Command::AddSecret {
            app_id: APP,
            key_id: SecretId(g(1)),
            display_name: "x".into(),
            hint: "abc".into(),
            hash: String::new(),
            expires_at: NOW + 1,
        },
        Invalid("hash"),
    );
    let d = check(
        "remove",
        &[secret(1, NOW + 10), secret(2, NOW + 10)],
        Command::RemoveSecret {
            app_id: APP,
            key_id: SecretId(g(1)),
        },
        Pass,
    );
    let keys: Vec<SecretId> = d
        .application(APP)
        .map(|a| a.secrets.iter().map(|s| s.key_id).collect())
        .unwrap_or_default();
    assert_eq!(keys, vec![SecretId(g(2))]);
    check(
        "remove missing",
        &[],
        Command::RemoveSecret {
            app_id: APP,
            key_id: SecretId(g(1)),
        },
        NotFound("no secret"),
    );
    let many: Vec<Command> = (0..crate::MAX_SECRETS as u128)
        .map(|k| secret(100 + k, NOW + 10))
        .collect();
    check(
        "too many",
        &many,
        secret(1, NOW + 10),
        Precondition("remove one first"),
    );
}

#[test]
fn consent_must_be_granted_again_after_requested_permissions_change() {
    let mut d = fixture();
    let before = d.roles_for(T, APP);
    assert_eq!(
        before,
        perms(&[
            Permission::CallsInitiateAll,
            Permission::CallsAccessMediaAll
        ])
    );
    let state = d.consent_state(T, APP).expect("state");
    assert!(!state.consent_required);

    let wanted = perms(&[
        Permission::CallsInitiateAll,
        Permission::TeamsResourceAccountReadAll,
    ]);
    d.execute(
        NOW,
        &Command::UpdateApplication {
            app_id: APP,
            display_name: None,
            requested: Some(wanted.clone()),
            redirect_uris: None,
            bot: None,
        },
    )
    .expect("update");
    // Tokens keep carrying the old grant until an admin consents again.
    assert_eq!(d.roles_for(T, APP), before);
    let state = d.consent_state(T, APP).expect("state");
    assert!(state.consent_required);
    assert_eq!(state.requested, wanted);
    assert_eq!(state.granted, before);

    d.execute(
        NOW + 5,
        &Command::GrantConsent {
            tenant: T,
            app_id: APP,
        },
    )
    .expect("grant");
    assert_eq!(d.roles_for(T, APP), wanted);
    let state = d.consent_state(T, APP).expect("state");
    assert!(!state.consent_required);
    assert_eq!(state.granted_at, Some(NOW + 5));

    d.execute(
        NOW,
        &Command::RevokeConsent {
            tenant: T,
            app_id: APP,
        },
    )
    .expect("revoke");
    assert!(d.roles_for(T, APP).is_empty());
    assert!(d.consent_state(T, APP).expect("state").consent_required);
    // Other tenants never saw a grant.
    assert!(d.roles_for(T2, APP).is_empty());
}

#[test]
fn consent_errors() {
    use Expect::*;
    check(
        "grant in other tenant",
        &[],
        Command::GrantConsent {
            tenant: T2,
            app_id: APP,
        },
        Pass,
    );
    check(
        "grant unknown app",
        &[],
        Command::GrantConsent {
            tenant: T,
            app_id: APP2,
        },
        NotFound("application"),
    );
    check(
        "grant unknown tenant",
        &[],
        Command::GrantConsent {
            tenant: TenantId(MISSING),
            app_id: APP,
        },
        NotFound("tenant"),
    );
    check(
        "revoke absent",
        &[],
        Command::RevokeConsent {
            tenant: T2,
            app_id: APP,
        },
        NotFound("has not consented"),
    );
    let d = fixture();
    assert!(matches!(
        d.consent_state(T, APP2),
        Err(DirectoryError::NotFound(_))
    ));
    assert!(d.consent_state(T2, APP).expect("state").consent_required);
}
