//! Unit tests for every directory rule: a data-driven `check` table over one fixture, plus scenario tests;
//! this module holds the fixture, `check` and command builders, each submodule the tests of one resource.

mod acs;
mod applications;
mod instances;
mod numbers;
mod random_walk;
mod tenants_users;
mod voice;

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
    for command in fixture_tenants_and_app()
        .iter()
        .chain(&fixture_accounts())
        .chain(&fixture_inventory())
    {
        d.execute(NOW - 100, command)
            .unwrap_or_else(|e| panic!("fixture {}: {e}", command.name()));
    }
    d.check_invariants().expect("fixture invariants");
    d
}

/// The fixture's tenants T and T2, and app APP consented in T.
fn fixture_tenants_and_app() -> [Command; 4] {
    [
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
    ]
}

/// The fixture's users and instances with their licences.
fn fixture_accounts() -> [Command; 6] {
    [
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
    ]
}

/// The fixture's ACS resource and number inventory.
fn fixture_inventory() -> [Command; 5] {
    [
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
    ]
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
