//! Unit tests for every directory rule: a data-driven `check` table over one fixture, plus scenario tests.

use std::collections::BTreeSet;

use ringside_model::{
    AcsResourceId, AppId, Guid, InstanceId, Licence, NumberType, Permission, SecretId, TenantId,
    UserId, E164,
};

use crate::{
    validate, Account, AcsKeyKind, BotRegistration, Change, Command, Directory, DirectoryError,
    ResourceAccountFilter,
};

const NOW: i64 = 1_800_000_000;
const KEY_A: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const KEY_B: &str = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=";
const KEY_C: &str = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCA=";

fn g(n: u128) -> Guid {
    Guid::from_u128(n)
}
const T: TenantId = TenantId(Guid::from_u128(0x7));
const T2: TenantId = TenantId(Guid::from_u128(0x8));
const APP: AppId = AppId(Guid::from_u128(0xA));
const APP2: AppId = AppId(Guid::from_u128(0xB));
const U1: UserId = UserId(Guid::from_u128(0x101));
const U2: UserId = UserId(Guid::from_u128(0x102));
const I1: InstanceId = InstanceId(Guid::from_u128(0x201));
const I2: InstanceId = InstanceId(Guid::from_u128(0x202));
const ACS: AcsResourceId = AcsResourceId(Guid::from_u128(0x301));
const MISSING: Guid = Guid::from_u128(0xDEAD);

fn n(text: &str) -> E164 {
    E164::parse(text).expect("test number")
}
fn perms(list: &[Permission]) -> BTreeSet<Permission> {
    list.iter().copied().collect()
}

/// Tenant T (contoso.com) and T2 (fabrikam.com); app APP requesting two permissions, consented in T;
/// users U1 (TeamsPhone licence) and U2 (none); instance I1 (resource-account licence) and I2 (none);
/// ACS resource; inventory: +14255550101 CallingPlan, +14255550102 DirectRouting, +14255550103
/// OperatorConnect in T, +442071230001 in T2. Nothing assigned.
fn fixture() -> Directory {
    let mut d = Directory::new();
    let setup = [
        Command::CreateTenant {
            id: T,
            display_name: "Contoso".into(),
            domain: "contoso.com".into(),
        },
        Command::CreateTenant {
            id: T2,
            display_name: "Fabrikam".into(),
            domain: "fabrikam.com".into(),
        },
        Command::CreateApplication {
            app_id: APP,
            home_tenant: T,
            display_name: "Bot".into(),
            service_principal_id: g(0xAA),
            requested: perms(&[
                Permission::CallsInitiateAll,
                Permission::CallsAccessMediaAll,
            ]),
            redirect_uris: vec!["https://bot.example.com/consent".into()],
            bot: BotRegistration {
                calling_webhook: Some("https://bot.example.com/api/calling".into()),
                calling_enabled: true,
                real_time_media_enabled: true,
            },
        },
        Command::GrantConsent {
            tenant: T,
            app_id: APP,
        },
        Command::CreateUser {
            tenant: T,
            id: U1,
            upn: "adele@contoso.com".into(),
            display_name: "Adele".into(),
        },
        Command::CreateUser {
            tenant: T,
            id: U2,
            upn: "bob@contoso.com".into(),
            display_name: "Bob".into(),
        },
        Command::AssignLicence {
            tenant: T,
            account: U1.guid(),
            licence: Licence::TeamsPhone,
        },
        Command::CreateApplicationInstance {
            tenant: T,
            id: I1,
            upn: "ra1@contoso.com".into(),
            app_id: APP,
            display_name: "RA 1".into(),
        },
        Command::CreateApplicationInstance {
            tenant: T,
            id: I2,
            upn: "ra2@contoso.com".into(),
            app_id: APP,
            display_name: "RA 2".into(),
        },
        Command::AssignLicence {
            tenant: T,
            account: I1.guid(),
            licence: Licence::TeamsPhoneResourceAccount,
        },
        Command::CreateAcsResource {
            id: ACS,
            tenant: T,
            name: "contoso-acs".into(),
            display_name: "Contoso ACS".into(),
            primary_key: KEY_A.into(),
            secondary_key: KEY_B.into(),
        },
        Command::AcquireNumber {
            tenant: T,
            number: n("+14255550101"),
            number_type: NumberType::CallingPlan,
        },
        Command::AcquireNumber {
            tenant: T,
            number: n("+14255550102"),
            number_type: NumberType::DirectRouting,
        },
        Command::AcquireNumber {
            tenant: T,
            number: n("+14255550103"),
            number_type: NumberType::OperatorConnect,
        },
        Command::AcquireNumber {
            tenant: T2,
            number: n("+442071230001"),
            number_type: NumberType::CallingPlan,
        },
    ];
    for command in &setup {
        d.execute(NOW - 100, command)
            .unwrap_or_else(|e| panic!("fixture {}: {e}", command.name()));
    }
    d.check_invariants().expect("fixture invariants");
    d
}

/// The expected outcome of one command: success, or an error of this kind whose message contains text.
enum Expect {
    Pass,
    NotFound(&'static str),
    Conflict(&'static str),
    Invalid(&'static str),
    Precondition(&'static str),
}

/// Runs `before` (which must succeed), then `command`, and compares with `expect`. On success the
/// changes are applied and the invariants checked; on failure the directory must be unchanged.
fn check(name: &str, before: &[Command], command: Command, expect: Expect) -> Directory {
    let mut d = fixture();
    for c in before {
        d.execute(NOW, c)
            .unwrap_or_else(|e| panic!("{name}: setup {} failed: {e}", c.name()));
    }
    let snapshot = d.clone();
    let result = d.plan(NOW, &command);
    let wanted = match expect {
        Expect::Pass => None,
        Expect::NotFound(t) => Some(("notFound", t)),
        Expect::Conflict(t) => Some(("conflict", t)),
        Expect::Invalid(t) => Some(("invalid", t)),
        Expect::Precondition(t) => Some(("preconditionFailed", t)),
    };
    match (result, wanted) {
        (Ok(changes), None) => {
            d.apply(&changes);
            if let Err(violation) = d.check_invariants() {
                panic!("{name}: invariant broken: {violation}");
            }
        }
        (Ok(changes), Some((kind, text))) => {
            panic!("{name}: expected {kind} containing '{text}', got Ok({changes:?})")
        }
        (Err(e), None) => panic!("{name}: expected Ok, got {e:?}"),
        (Err(e), Some((kind, text))) => {
            assert_eq!(e.kind(), kind, "{name}: wrong kind for {e:?}");
            assert!(
                e.message().contains(text),
                "{name}: message '{}' lacks '{text}'",
                e.message()
            );
            assert_eq!(d, snapshot, "{name}: a failed plan changed the directory");
        }
    }
    d
}

fn assign(number: &str, account: Guid, number_type: NumberType) -> Command {
    Command::AssignNumber {
        tenant: T,
        number: n(number),
        account,
        number_type,
    }
}
fn set_tel(id: InstanceId, number: Option<&str>) -> Command {
    Command::SetInstanceTelephoneNumber {
        tenant: T,
        id,
        number: number.map(n),
    }
}
fn licence(account: Guid, licence: Licence) -> Command {
    Command::AssignLicence {
        tenant: T,
        account,
        licence,
    }
}
fn unlicence(account: Guid, licence: Licence) -> Command {
    Command::RemoveLicence {
        tenant: T,
        account,
        licence,
    }
}
fn new_user(id: u128, upn: &str, name: &str) -> Command {
    Command::CreateUser {
        tenant: T,
        id: UserId(g(id)),
        upn: upn.into(),
        display_name: name.into(),
    }
}
fn new_instance(id: u128, upn: &str, app: AppId) -> Command {
    Command::CreateApplicationInstance {
        tenant: T,
        id: InstanceId(g(id)),
        upn: upn.into(),
        app_id: app,
        display_name: "RA".into(),
    }
}
fn secret(key: u128, expires_at: i64) -> Command {
    Command::AddSecret {
        app_id: APP,
        key_id: SecretId(g(key)),
        display_name: "ci".into(),
        hint: "abc".into(),
        hash: "h$1".into(),
        expires_at,
    }
}
fn update_uris(uris: &[&str]) -> Command {
    Command::UpdateApplication {
        app_id: APP,
        display_name: None,
        requested: None,
        redirect_uris: Some(uris.iter().map(|u| u.to_string()).collect()),
        bot: None,
    }
}
fn webhook(url: &str) -> Command {
    Command::UpdateApplication {
        app_id: APP,
        display_name: None,
        requested: None,
        redirect_uris: None,
        bot: Some(BotRegistration {
            calling_webhook: Some(url.into()),
            calling_enabled: true,
            real_time_media_enabled: false,
        }),
    }
}
fn new_acs(id: u128, name: &str, primary: &str, secondary: &str) -> Command {
    Command::CreateAcsResource {
        id: AcsResourceId(g(id)),
        tenant: T,
        name: name.into(),
        display_name: "ACS".into(),
        primary_key: primary.into(),
        secondary_key: secondary.into(),
    }
}

#[test]
fn tenants() {
    use Expect::*;
    let create = |id: u128, domain: &str, name: &str| Command::CreateTenant {
        id: TenantId(g(id)),
        display_name: name.into(),
        domain: domain.into(),
    };
    check(
        "new tenant",
        &[],
        create(9, "northwind.com", "Northwind"),
        Pass,
    );
    check(
        "duplicate id",
        &[],
        create(0x7, "northwind.com", "N"),
        Conflict("already exists"),
    );
    check(
        "duplicate domain",
        &[],
        create(9, "Contoso.COM", "N"),
        Conflict("already belongs"),
    );
    check(
        "bad domain",
        &[],
        create(9, "contoso", "N"),
        Invalid("at least two labels"),
    );
    check(
        "bad label",
        &[],
        create(9, "-x.com", "N"),
        Invalid("not a valid domain"),
    );
    check(
        "empty name",
        &[],
        create(9, "n.com", ""),
        Invalid("must not be empty"),
    );
    check(
        "blank name",
        &[],
        create(9, "n.com", "   "),
        Invalid("must not be empty"),
    );
    check(
        "long name",
        &[],
        create(9, "n.com", &"x".repeat(257)),
        Invalid("257 characters"),
    );
    check("max name", &[], create(9, "n.com", &"é".repeat(256)), Pass);
    check(
        "control char",
        &[],
        create(9, "n.com", "a\nb"),
        Invalid("control"),
    );
}

#[test]
fn users() {
    use Expect::*;
    check(
        "create",
        &[],
        new_user(0x103, "carol@contoso.com", "Carol"),
        Pass,
    );
    check(
        "upn clash with user",
        &[],
        new_user(0x103, "ADELE@contoso.com", "A"),
        Conflict("user 'adele@contoso.com'"),
    );
    check(
        "upn clash with instance",
        &[],
        new_user(0x103, "ra1@contoso.com", "A"),
        Conflict("application instance 'ra1@contoso.com'"),
    );
    check(
        "id clash",
        &[],
        new_user(0x101, "new@contoso.com", "A"),
        Conflict("object id"),
    );
    check(
        "id clash with instance",
        &[],
        new_user(0x201, "new@contoso.com", "A"),
        Conflict("object id"),
    );
    check(
        "same upn other tenant",
        &[],
        Command::CreateUser {
            tenant: T2,
            id: UserId(g(0x109)),
            upn: "adele@contoso.com".into(),
            display_name: "A".into(),
        },
        Pass,
    );
    check(
        "no tenant",
        &[],
        Command::CreateUser {
            tenant: TenantId(MISSING),
            id: UserId(g(0x109)),
            upn: "a@b.com".into(),
            display_name: "A".into(),
        },
        NotFound("tenant"),
    );
    for bad in [
        "adele",
        "@contoso.com",
        "adele@",
        "a@b@contoso.com",
        "a b@contoso.com",
        ".a@contoso.com",
        "a..b@contoso.com",
        "a@contoso",
    ] {
        check(
            bad,
            &[],
            new_user(0x103, bad, "X"),
            Invalid("not a valid user principal name"),
        );
    }
    check(
        "empty display name",
        &[],
        new_user(0x103, "c@contoso.com", ""),
        Invalid("display name"),
    );
    check(
        "delete",
        &[],
        Command::DeleteUser { tenant: T, id: U2 },
        Pass,
    );
    check(
        "delete missing",
        &[],
        Command::DeleteUser {
            tenant: T,
            id: UserId(MISSING),
        },
        NotFound("does not exist"),
    );
    check(
        "delete in other tenant",
        &[],
        Command::DeleteUser { tenant: T2, id: U1 },
        NotFound("does not exist"),
    );
}

#[test]
fn deleting_a_user_releases_its_number() {
    let d = check(
        "delete user with number",
        &[assign("+14255550101", U1.guid(), NumberType::CallingPlan)],
        Command::DeleteUser { tenant: T, id: U1 },
        Expect::Pass,
    );
    assert!(d.user(T, U1).is_none());
    let number = d
        .number(&n("+14255550101"))
        .expect("number stays in inventory");
    assert_eq!(number.assigned_to, None);
    assert!(d.number_of(U1.guid()).is_none());
    assert!(d.route_number(&n("+14255550101")).is_none());
}

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

#[test]
fn application_instances() {
    use Expect::*;
    check(
        "create",
        &[],
        new_instance(0x209, "ra9@contoso.com", APP),
        Pass,
    );
    check(
        "unknown app",
        &[],
        new_instance(0x209, "ra9@contoso.com", APP2),
        NotFound("application"),
    );
    check(
        "upn clash with user",
        &[],
        new_instance(0x209, "bob@contoso.com", APP),
        Conflict("user 'bob@contoso.com'"),
    );
    check(
        "id clash",
        &[],
        new_instance(0x101, "ra9@contoso.com", APP),
        Conflict("object id"),
    );
    check(
        "bad upn",
        &[],
        new_instance(0x209, "ra9", APP),
        Invalid("user principal name"),
    );
    let set =
        |app: Option<AppId>, acs: Option<Option<AcsResourceId>>| Command::SetApplicationInstance {
            tenant: T,
            id: I1,
            app_id: app,
            display_name: None,
            acs_resource: acs,
        };
    let d = check("bind acs", &[], set(None, Some(Some(ACS))), Pass);
    assert_eq!(d.instance(T, I1).and_then(|i| i.acs_resource), Some(ACS));
    let d = check(
        "clear acs",
        &[set(None, Some(Some(ACS)))],
        set(None, Some(None)),
        Pass,
    );
    assert_eq!(d.instance(T, I1).and_then(|i| i.acs_resource), None);
    let d = check(
        "leave acs",
        &[set(None, Some(Some(ACS)))],
        set(None, None),
        Pass,
    );
    assert_eq!(d.instance(T, I1).and_then(|i| i.acs_resource), Some(ACS));
    check(
        "unknown acs",
        &[],
        set(None, Some(Some(AcsResourceId(MISSING)))),
        NotFound("ACS resource"),
    );
    check(
        "unknown app on set",
        &[],
        set(Some(APP2), None),
        NotFound("application"),
    );
    check(
        "missing instance",
        &[],
        Command::SetApplicationInstance {
            tenant: T,
            id: InstanceId(MISSING),
            app_id: None,
            display_name: None,
            acs_resource: None,
        },
        NotFound("application instance"),
    );
    check(
        "wrong tenant",
        &[],
        Command::SyncApplicationInstance { tenant: T2, id: I1 },
        NotFound("application instance"),
    );
    let d = check(
        "sync",
        &[],
        Command::SyncApplicationInstance { tenant: T, id: I1 },
        Pass,
    );
    assert_eq!(d.instance(T, I1).and_then(|i| i.synced_at), Some(NOW));
}

#[test]
fn licences() {
    use Expect::*;
    check(
        "resource licence on user",
        &[],
        licence(U2.guid(), Licence::TeamsPhoneResourceAccount),
        Invalid("application instances only"),
    );
    check(
        "teams phone on instance",
        &[],
        licence(I2.guid(), Licence::TeamsPhone),
        Invalid("users only"),
    );
    check(
        "calling plan on user",
        &[],
        licence(U2.guid(), Licence::CallingPlan),
        Pass,
    );
    check(
        "calling plan on instance",
        &[],
        licence(I2.guid(), Licence::CallingPlan),
        Pass,
    );
    check(
        "unknown account",
        &[],
        licence(MISSING, Licence::CallingPlan),
        NotFound("no user or application instance"),
    );
    check(
        "account of other tenant",
        &[],
        Command::AssignLicence {
            tenant: T2,
            account: U1.guid(),
            licence: Licence::CallingPlan,
        },
        NotFound("no user"),
    );
    let d = fixture();
    assert_eq!(
        d.plan(NOW, &licence(U1.guid(), Licence::TeamsPhone)),
        Ok(vec![]),
        "re-assigning is a no-op"
    );
    check(
        "remove absent",
        &[],
        unlicence(U2.guid(), Licence::CallingPlan),
        NotFound("has no callingPlan"),
    );
    check(
        "remove unused",
        &[],
        unlicence(I1.guid(), Licence::TeamsPhoneResourceAccount),
        Pass,
    );
    check(
        "remove needed by instance number",
        &[set_tel(I1, Some("+14255550102"))],
        unlicence(I1.guid(), Licence::TeamsPhoneResourceAccount),
        Precondition("unassign the number first"),
    );
    check(
        "remove needed by user number",
        &[assign("+14255550102", U1.guid(), NumberType::DirectRouting)],
        unlicence(U1.guid(), Licence::TeamsPhone),
        Precondition("unassign the number first"),
    );
    check(
        "calling plan is not needed to hold a number",
        &[
            licence(I1.guid(), Licence::CallingPlan),
            set_tel(I1, Some("+14255550101")),
        ],
        unlicence(I1.guid(), Licence::CallingPlan),
        Pass,
    );
}

#[test]
fn number_inventory() {
    use Expect::*;
    let acquire = |tenant: TenantId, number: &str| Command::AcquireNumber {
        tenant,
        number: n(number),
        number_type: NumberType::DirectRouting,
    };
    check("acquire", &[], acquire(T, "+14255550199"), Pass);
    check(
        "acquire own again",
        &[],
        acquire(T, "+14255550101"),
        Conflict("already in the inventory"),
    );
    check(
        "acquire other tenant's",
        &[],
        acquire(T2, "+14255550101"),
        Conflict("another tenant"),
    );
    check(
        "acquire no tenant",
        &[],
        acquire(TenantId(MISSING), "+14255550199"),
        NotFound("tenant"),
    );
    let release = |number: &str| Command::ReleaseNumber {
        tenant: T,
        number: n(number),
    };
    let d = check("release", &[], release("+14255550103"), Pass);
    assert!(d.number(&n("+14255550103")).is_none());
    check(
        "release assigned",
        &[set_tel(I1, Some("+14255550103"))],
        release("+14255550103"),
        Precondition("unassign the number first"),
    );
    check(
        "release unknown",
        &[],
        release("+14255550199"),
        NotFound("inventory"),
    );
    check(
        "release other tenant's",
        &[],
        release("+442071230001"),
        NotFound("inventory"),
    );
    let d = fixture();
    assert_eq!(d.numbers(T).count(), 3);
    assert_eq!(d.numbers(T2).count(), 1);
}

#[test]
fn number_assignment() {
    use Expect::*;
    let d = check(
        "assign to user",
        &[],
        assign("+14255550101", U1.guid(), NumberType::CallingPlan),
        Pass,
    );
    assert_eq!(
        d.number_owner(&n("+14255550101")).map(Account::id),
        Some(U1.guid())
    );
    check(
        "assign to instance",
        &[],
        assign("+14255550102", I1.guid(), NumberType::DirectRouting),
        Pass,
    );
    check(
        "wrong type",
        &[],
        assign("+14255550101", U1.guid(), NumberType::DirectRouting),
        Invalid("is a CallingPlan number"),
    );
    check(
        "not in inventory",
        &[],
        assign("+14255550199", U1.guid(), NumberType::CallingPlan),
        NotFound("inventory"),
    );
    check(
        "other tenant's number",
        &[],
        assign("+442071230001", U1.guid(), NumberType::CallingPlan),
        NotFound("inventory"),
    );
    check(
        "unknown account",
        &[],
        assign("+14255550101", MISSING, NumberType::CallingPlan),
        NotFound("no user"),
    );
    check(
        "user without licence",
        &[],
        assign("+14255550101", U2.guid(), NumberType::CallingPlan),
        Precondition("needs the teamsPhone licence"),
    );
    check(
        "instance without licence",
        &[],
        assign("+14255550101", I2.guid(), NumberType::CallingPlan),
        Precondition("needs the teamsPhoneResourceAccount licence"),
    );
    check(
        "duplicate assignment names the owner",
        &[assign("+14255550101", U1.guid(), NumberType::CallingPlan)],
        assign("+14255550101", I1.guid(), NumberType::CallingPlan),
        Conflict("already assigned to user 'adele@contoso.com'"),
    );
    check(
        "account already has a number",
        &[assign("+14255550101", U1.guid(), NumberType::CallingPlan)],
        assign("+14255550102", U1.guid(), NumberType::DirectRouting),
        Conflict("already has the number +14255550101"),
    );
    let d = fixture();
    let mut d2 = d.clone();
    d2.execute(
        NOW,
        &assign("+14255550101", U1.guid(), NumberType::CallingPlan),
    )
    .expect("assign");
    assert_eq!(
        d2.plan(
            NOW,
            &assign("+14255550101", U1.guid(), NumberType::CallingPlan)
        ),
        Ok(vec![])
    );
    let d = check(
        "unassign",
        &[assign("+14255550101", U1.guid(), NumberType::CallingPlan)],
        Command::UnassignNumber {
            tenant: T,
            number: n("+14255550101"),
        },
        Pass,
    );
    assert!(d.number_of(U1.guid()).is_none());
    check(
        "unassign free number",
        &[],
        Command::UnassignNumber {
            tenant: T,
            number: n("+14255550101"),
        },
        NotFound("not assigned"),
    );
}

#[test]
fn set_voice_application_instance() {
    use Expect::*;
    let d = check("assign", &[], set_tel(I1, Some("+14255550101")), Pass);
    assert_eq!(
        d.number_of(I1.guid()).map(|p| p.number.clone()),
        Some(n("+14255550101"))
    );
    let d = check(
        "replace",
        &[set_tel(I1, Some("+14255550101"))],
        set_tel(I1, Some("+14255550102")),
        Pass,
    );
    assert_eq!(
        d.number_of(I1.guid()).map(|p| p.number.clone()),
        Some(n("+14255550102"))
    );
    assert_eq!(
        d.number(&n("+14255550101")).and_then(|p| p.assigned_to),
        None,
        "old number freed"
    );
    let d = check(
        "unassign",
        &[set_tel(I1, Some("+14255550101"))],
        set_tel(I1, None),
        Pass,
    );
    assert!(d.number_of(I1.guid()).is_none());
    let d = fixture();
    assert_eq!(
        d.plan(NOW, &set_tel(I1, None)),
        Ok(vec![]),
        "unassigning nothing is a no-op"
    );
    check(
        "without licence",
        &[],
        set_tel(I2, Some("+14255550101")),
        Precondition("teamsPhoneResourceAccount"),
    );
    check(
        "owned by user",
        &[assign("+14255550101", U1.guid(), NumberType::CallingPlan)],
        set_tel(I1, Some("+14255550101")),
        Conflict("user 'adele@contoso.com'"),
    );
    check(
        "not in inventory",
        &[],
        set_tel(I1, Some("+14255550199")),
        NotFound("inventory"),
    );
    check(
        "unknown instance",
        &[],
        set_tel(InstanceId(MISSING), Some("+14255550101")),
        NotFound("application instance"),
    );
    check(
        "a user id is not an instance",
        &[],
        Command::SetInstanceTelephoneNumber {
            tenant: T,
            id: InstanceId(U1.guid()),
            number: None,
        },
        NotFound("application instance"),
    );
}

#[test]
fn routing_and_resource_accounts() {
    let mut d = fixture();
    d.execute(NOW, &set_tel(I1, Some("+14255550101")))
        .expect("assign");
    d.execute(
        NOW,
        &Command::SetApplicationInstance {
            tenant: T,
            id: I1,
            app_id: None,
            display_name: None,
            acs_resource: Some(Some(ACS)),
        },
    )
    .expect("bind");
    let (tenant, account) = d.route_number(&n("+14255550101")).expect("routed");
    assert_eq!(
        (tenant, account.id(), account.kind()),
        (T, I1.guid(), "applicationInstance")
    );
    assert!(
        d.route_number(&n("+14255550102")).is_none(),
        "unassigned numbers route nowhere"
    );
    assert!(d.route_number(&n("+14255550199")).is_none());

    let all = d.resource_accounts(T, ResourceAccountFilter::default());
    assert_eq!(all.len(), 2);
    let by_app = d.resource_accounts(
        T,
        ResourceAccountFilter {
            app_id: Some(APP),
            acs_resource: None,
        },
    );
    assert_eq!(by_app.len(), 2);
    assert!(d
        .resource_accounts(
            T,
            ResourceAccountFilter {
                app_id: Some(APP2),
                acs_resource: None
            }
        )
        .is_empty());
    let by_acs = d.resource_accounts(
        T,
        ResourceAccountFilter {
            app_id: None,
            acs_resource: Some(ACS),
        },
    );
    assert_eq!(by_acs.len(), 1);
    assert_eq!(by_acs[0].instance.id, I1);
    assert_eq!(
        by_acs[0].number.map(|p| p.number.tel_uri()),
        Some("tel:+14255550101".to_string())
    );
    assert!(d
        .resource_accounts(T2, ResourceAccountFilter::default())
        .is_empty());
    assert_eq!(
        d.account_by_upn(T, "RA1@contoso.com").map(Account::id),
        Some(I1.guid())
    );
}

#[test]
fn outbound_pstn_needs_a_number_and_for_calling_plan_numbers_a_calling_plan() {
    let mut d = fixture();
    let outbound = |d: &Directory| d.outbound_pstn_allowed(T, I1).map_err(|e| e.kind());
    assert_eq!(outbound(&d), Err("preconditionFailed"), "no number");
    d.execute(NOW, &set_tel(I1, Some("+14255550101")))
        .expect("assign calling plan number");
    let error = d
        .outbound_pstn_allowed(T, I1)
        .expect_err("calling plan number without licence");
    assert!(error.message().contains("callingPlan licence"), "{error}");
    d.execute(NOW, &licence(I1.guid(), Licence::CallingPlan))
        .expect("licence");
    assert_eq!(outbound(&d), Ok(()));
    d.execute(NOW, &set_tel(I1, Some("+14255550102")))
        .expect("direct routing number");
    d.execute(NOW, &unlicence(I1.guid(), Licence::CallingPlan))
        .expect("unlicence");
    assert_eq!(outbound(&d), Ok(()), "direct routing needs no calling plan");
    assert_eq!(
        d.outbound_pstn_allowed(T, InstanceId(MISSING))
            .map_err(|e| e.kind()),
        Err("notFound")
    );
}

#[test]
fn acs_resources() {
    use Expect::*;
    check(
        "create",
        &[],
        new_acs(0x302, "other-acs", KEY_C, KEY_B),
        Pass,
    );
    check(
        "duplicate name",
        &[],
        new_acs(0x302, "CONTOSO-ACS", KEY_C, KEY_B),
        Conflict("already exists"),
    );
    check(
        "duplicate id",
        &[],
        new_acs(0x301, "other", KEY_C, KEY_B),
        Conflict("already exists"),
    );
    check(
        "bad name",
        &[],
        new_acs(0x302, "no_underscores", KEY_C, KEY_B),
        Invalid("ACS resource name"),
    );
    check(
        "bad name 2",
        &[],
        new_acs(0x302, "-x", KEY_C, KEY_B),
        Invalid("ACS resource name"),
    );
    check(
        "bad key",
        &[],
        new_acs(0x302, "x", "short", KEY_B),
        Invalid("primary key"),
    );
    check(
        "same keys",
        &[],
        new_acs(0x302, "x", KEY_C, KEY_C),
        Invalid("must differ"),
    );
    let rotate = |key: AcsKeyKind, new_key: &str| Command::RotateAcsKey {
        id: ACS,
        key,
        new_key: new_key.into(),
    };
    let d = check(
        "rotate primary",
        &[],
        rotate(AcsKeyKind::Primary, KEY_C),
        Pass,
    );
    let r = d.acs_resource(ACS).expect("resource");
    assert_eq!(
        (r.primary_key.as_str(), r.secondary_key.as_str()),
        (KEY_C, KEY_B)
    );
    let d = check(
        "rotate secondary",
        &[],
        rotate(AcsKeyKind::Secondary, KEY_C),
        Pass,
    );
    let r = d.acs_resource(ACS).expect("resource");
    assert_eq!(
        (r.primary_key.as_str(), r.secondary_key.as_str()),
        (KEY_A, KEY_C)
    );
    check(
        "rotate to same",
        &[],
        rotate(AcsKeyKind::Primary, KEY_B),
        Invalid("differ"),
    );
    check(
        "rotate bad key",
        &[],
        rotate(AcsKeyKind::Primary, "!!"),
        Invalid("base64"),
    );
    check(
        "rotate missing",
        &[],
        Command::RotateAcsKey {
            id: AcsResourceId(MISSING),
            key: AcsKeyKind::Primary,
            new_key: KEY_C.into(),
        },
        NotFound("ACS resource"),
    );
    assert_eq!(AcsKeyKind::parse("Secondary"), Some(AcsKeyKind::Secondary));
    assert_eq!(AcsKeyKind::parse("tertiary"), None);
}

#[test]
fn apply_rebuilds_an_equal_directory_from_a_snapshot() {
    let mut d = fixture();
    d.execute(NOW, &set_tel(I1, Some("+14255550101")))
        .expect("assign");
    d.execute(NOW, &secret(1, NOW + 10)).expect("secret");
    let mut rebuilt = Directory::new();
    rebuilt.apply(&d.snapshot());
    assert_eq!(rebuilt, d);
    rebuilt.check_invariants().expect("invariants");
}

#[test]
fn planned_changes_match_the_command() {
    let d = fixture();
    let changes = d
        .plan(NOW, &set_tel(I1, Some("+14255550101")))
        .expect("plan");
    assert!(matches!(&changes[..], [Change::PutNumber(p)] if p.assigned_to == Some(I1.guid())));
    let changes = d
        .plan(
            NOW,
            &Command::RevokeConsent {
                tenant: T,
                app_id: APP,
            },
        )
        .expect("plan");
    assert_eq!(
        changes,
        vec![Change::DeleteConsent {
            tenant: T,
            app_id: APP
        }]
    );
}

#[test]
fn validators() {
    assert!(validate::is_dns_label("a"));
    assert!(validate::is_dns_label(&"a".repeat(63)));
    assert!(!validate::is_dns_label(&"a".repeat(64)));
    assert!(validate::access_key("k", KEY_A).is_ok());
    assert!(validate::access_key("k", &KEY_A[..43]).is_err());
    assert!(validate::upn("o'brien+x@sub.contoso.com").is_ok());
    assert_eq!(validate::clip(&"x".repeat(100)).chars().count(), 81);
}

/// A tiny deterministic generator (xorshift64*), so the random walk below needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize].clone()
    }
}

/// Random command sequences over small pools of ids, numbers and licences: no command panics, a
/// refused command changes nothing, and the cross-record invariants hold after every accepted one.
#[test]
fn random_walks_keep_every_invariant() {
    let tenants = [T, T2, TenantId(MISSING)];
    let accounts: Vec<Guid> = (0..6)
        .map(|i| g(0x500 + i))
        .chain([U1.guid(), I1.guid(), MISSING])
        .collect();
    let numbers = [
        "+14255550101",
        "+14255550102",
        "+14255550177",
        "+442071230001",
    ]
    .map(n);
    let licences = Licence::ALL;
    let types = NumberType::ALL;
    let apps = [APP, APP2];
    let acs = [Some(ACS), None, Some(AcsResourceId(MISSING))];
    let mut accepted = 0;
    for seed in 1..=20u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut d = fixture();
        for step in 0..600 {
            let tenant = rng.pick(&tenants);
            let account = rng.pick(&accounts);
            let number = rng.pick(&numbers);
            let command = match rng.next() % 14 {
                0 => Command::CreateUser {
                    tenant,
                    id: UserId(account),
                    upn: format!("u{}@contoso.com", rng.next() % 8),
                    display_name: "U".into(),
                },
                1 => Command::DeleteUser {
                    tenant,
                    id: UserId(account),
                },
                2 => Command::CreateApplicationInstance {
                    tenant,
                    id: InstanceId(account),
                    upn: format!("ra{}@contoso.com", rng.next() % 8),
                    app_id: rng.pick(&apps),
                    display_name: "RA".into(),
                },
                3 => Command::AssignLicence {
                    tenant,
                    account,
                    licence: rng.pick(&licences),
                },
                4 => Command::RemoveLicence {
                    tenant,
                    account,
                    licence: rng.pick(&licences),
                },
                5 => Command::AcquireNumber {
                    tenant,
                    number,
                    number_type: rng.pick(&types),
                },
                6 => Command::ReleaseNumber { tenant, number },
                7 => Command::AssignNumber {
                    tenant,
                    number,
                    account,
                    number_type: rng.pick(&types),
                },
                8 => Command::UnassignNumber { tenant, number },
                9 => Command::SetInstanceTelephoneNumber {
                    tenant,
                    id: InstanceId(account),
                    number: (rng.next() % 3 < 2).then_some(number),
                },
                10 => Command::SetApplicationInstance {
                    tenant,
                    id: InstanceId(account),
                    app_id: None,
                    display_name: None,
                    acs_resource: Some(rng.pick(&acs)),
                },
                11 => Command::GrantConsent {
                    tenant,
                    app_id: rng.pick(&apps),
                },
                12 => Command::RevokeConsent {
                    tenant,
                    app_id: rng.pick(&apps),
                },
                _ => Command::UpdateApplication {
                    app_id: APP,
                    display_name: None,
                    requested: Some(
                        Permission::ALL
                            .into_iter()
                            .filter(|_| rng.next() & 1 == 0)
                            .collect(),
                    ),
                    redirect_uris: None,
                    bot: None,
                },
            };
            let before = d.clone();
            match d.plan(NOW + step, &command) {
                Ok(changes) => {
                    d.apply(&changes);
                    accepted += 1;
                    if let Err(violation) = d.check_invariants() {
                        panic!("seed {seed} step {step} {command:?}: {violation}");
                    }
                    // Re-planning an accepted assignment is a no-op, never an error.
                    if matches!(
                        command,
                        Command::AssignNumber { .. } | Command::AssignLicence { .. }
                    ) {
                        assert_eq!(d.plan(NOW, &command), Ok(vec![]), "seed {seed} step {step}");
                    }
                }
                Err(_) => assert_eq!(
                    d, before,
                    "seed {seed} step {step}: refused {command:?} mutated"
                ),
            }
            let mut rebuilt = Directory::new();
            rebuilt.apply(&d.snapshot());
            assert_eq!(
                rebuilt, d,
                "seed {seed} step {step}: snapshot does not rebuild the directory"
            );
        }
    }
    assert!(
        accepted > 2_000,
        "the walk accepted only {accepted} commands"
    );
}

fn new_subscription(name: &str, endpoint: &str, types: &[&str]) -> Command {
    Command::CreateEventSubscription {
        id: g(0x401),
        resource: ACS,
        name: name.into(),
        endpoint: endpoint.into(),
        event_types: types.iter().map(|t| t.to_string()).collect(),
        schema: crate::EventDeliverySchema::EventGrid,
        to_raw_ids: BTreeSet::new(),
    }
}

const INCOMING: &str = "Microsoft.Communication.IncomingCall";

#[test]
fn event_subscriptions() {
    use Expect::*;
    let created = check(
        "create",
        &[],
        new_subscription("incoming", "https://bot.example.com/events", &[INCOMING]),
        Pass,
    );
    assert_eq!(created.event_subscriptions(ACS).count(), 1);
    let existing = [new_subscription(
        "incoming",
        "https://a.example.com/e",
        &[INCOMING],
    )];
    check(
        "duplicate name (case-insensitive)",
        &existing,
        new_subscription("INCOMING", "https://bot.example.com/events", &[INCOMING]),
        Conflict("already has an event subscription"),
    );
    check(
        "unknown resource",
        &[],
        Command::CreateEventSubscription {
            id: g(0x402),
            resource: AcsResourceId(MISSING),
            name: "x-y-z".into(),
            endpoint: "https://a.example.com/e".into(),
            event_types: [INCOMING.to_string()].into(),
            schema: crate::EventDeliverySchema::CloudEvents,
            to_raw_ids: BTreeSet::new(),
        },
        NotFound("does not exist"),
    );
    check(
        "bad name",
        &[],
        new_subscription("a_b", "https://a.example.com/e", &[INCOMING]),
        Invalid("event subscription name"),
    );
    check(
        "plain http off loopback",
        &[],
        new_subscription("abc", "http://a.example.com/e", &[INCOMING]),
        Invalid("http:// is allowed only"),
    );
    check(
        "no event types",
        &[],
        new_subscription("abc", "https://a.example.com/e", &[]),
        Invalid("at least one event type"),
    );
    check(
        "foreign event type",
        &[],
        new_subscription(
            "abc",
            "https://a.example.com/e",
            &["Microsoft.Storage.BlobCreated"],
        ),
        Invalid("not an ACS event type"),
    );
    let deleted = check(
        "delete",
        &existing,
        Command::DeleteEventSubscription {
            resource: ACS,
            name: "Incoming".into(),
        },
        Pass,
    );
    assert_eq!(deleted.event_subscriptions(ACS).count(), 0);
    check(
        "delete missing",
        &[],
        Command::DeleteEventSubscription {
            resource: ACS,
            name: "nope".into(),
        },
        NotFound("no event subscription"),
    );
}
