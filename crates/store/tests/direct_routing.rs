//! Direct Routing records on both backends (a real SQLite file, a real PostgreSQL database): gateways (with and without digest credentials),
//! ordered usage lists, routes, policies (Global set), grants and SIP credentials round-trip;
//! updates and deletions survive a reopen; a schema-4 file migrates and keeps its records.

use ringside_directory::{
    Command, DigestCredentials, Directory, GatewayPatch, PstnGateway, SipTransport, VoiceRoutePatch,
};
use ringside_model::{Guid, InstanceId, Licence, TenantId, UserId, E164};
mod support;

use ringside_store::{Database, DirectoryStore, Store, MIGRATIONS, SCHEMA_VERSION};
use support::places;

const NOW: i64 = 1_800_000_000;
const T: TenantId = TenantId(Guid::from_u128(1));
const U1: UserId = UserId(Guid::from_u128(0x101));
const U2: UserId = UserId(Guid::from_u128(0x102));
const I1: InstanceId = InstanceId(Guid::from_u128(0x201));

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A tenant, two users, an instance, and one of every Direct Routing record.
fn everything() -> Vec<Command> {
    let mut carrier = PstnGateway::with_defaults(T, "sbc.contoso.com");
    carrier.enabled = true;
    carrier.transport = SipTransport::Tcp;
    carrier.max_concurrent_sessions = Some(24);
    carrier.failover_response_codes = vec![503, 408];
    carrier.description = "Carrier ✓".into();
    carrier.credentials = Some(DigestCredentials {
        username: "trunk-user".into(),
        password: "p@ss word".into(),
    });
    let mut local = PstnGateway::with_defaults(T, "::1");
    local.sip_signaling_port = 5060;
    let app = ringside_model::AppId(Guid::from_u128(0xA));
    vec![
        Command::CreateTenant {
            id: T,
            display_name: "Contoso".into(),
            domain: "contoso.com".into(),
        },
        Command::CreateApplication {
            app_id: app,
            home_tenant: T,
            display_name: "Bot".into(),
            service_principal_id: Guid::from_u128(0xAA),
            requested: Default::default(),
            redirect_uris: vec![],
            bot: Default::default(),
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
        Command::CreateApplicationInstance {
            tenant: T,
            id: I1,
            upn: "ra@contoso.com".into(),
            app_id: app,
            display_name: "RA".into(),
        },
        Command::AssignLicence {
            tenant: T,
            account: U1.guid(),
            licence: Licence::TeamsPhone,
        },
        Command::NewPstnGateway { gateway: carrier },
        Command::NewPstnGateway { gateway: local },
        Command::SetPstnUsages {
            tenant: T,
            add: strings(&["Zulu", "Alpha", "Middle"]),
            remove: vec![],
        },
        Command::NewVoiceRoute {
            tenant: T,
            identity: "Local Route".into(),
            number_pattern: Some(r"^\+1(425|206)\d{7}$".into()),
            gateways: strings(&["::1", "sbc.contoso.com"]),
            priority: Some(3),
            usages: strings(&["Zulu", "Alpha"]),
            description: "local".into(),
        },
        Command::NewVoiceRoute {
            tenant: T,
            identity: "any".into(),
            number_pattern: None,
            gateways: strings(&["sbc.contoso.com"]),
            priority: None,
            usages: strings(&["Middle"]),
            description: String::new(),
        },
        Command::SetVoiceRoutingPolicy {
            tenant: T,
            identity: "Global".into(),
            usages: Some(strings(&["Middle", "Zulu"])),
            description: None,
        },
        Command::NewVoiceRoutingPolicy {
            tenant: T,
            identity: "Sales".into(),
            usages: strings(&["Alpha", "Zulu"]),
            description: "sales floor".into(),
        },
        Command::GrantVoiceRoutingPolicy {
            tenant: T,
            account: U1.guid(),
            policy: Some("Sales".into()),
        },
        Command::GrantVoiceRoutingPolicy {
            tenant: T,
            account: I1.guid(),
            policy: Some("Sales".into()),
        },
        Command::SetSipCredential {
            tenant: T,
            user: U1,
            username: None,
            password: "adele-password-1".into(),
        },
        Command::SetSipCredential {
            tenant: T,
            user: U2,
            username: Some("Bob.Desk".into()),
            password: "bob-password-12".into(),
        },
        Command::AssignNumber {
            tenant: T,
            number: E164::parse("+14255550177").expect("number"),
            account: U1.guid(),
            number_type: ringside_model::NumberType::DirectRouting,
        },
    ]
}

fn populated(database: &Database) -> DirectoryStore {
    let store = DirectoryStore::connect(database).expect("open");
    for command in everything() {
        let name = command.name();
        store
            .execute(NOW, command)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    store
}

#[test]
fn direct_routing_records_round_trip() {
    for place in places() {
        round_trip(&place.database());
    }
}

fn round_trip(database: &Database) {
    let store = populated(database);
    let before = store.read(Directory::clone);
    before.check_invariants().expect("invariants");
    drop(store);

    let loaded = Store::connect(database)
        .expect("reopen")
        .load()
        .expect("load");
    assert_eq!(loaded, before);
    assert_eq!(
        loaded.pstn_usages(T),
        ["Zulu", "Alpha", "Middle"],
        "list order kept"
    );
    let route = loaded.voice_route(T, "local route").expect("route");
    assert_eq!(
        route.gateways,
        ["::1", "sbc.contoso.com"],
        "gateway order kept"
    );
    assert_eq!(route.usages, ["Zulu", "Alpha"]);
    let carrier = loaded.pstn_gateway(T, "sbc.contoso.com").expect("gateway");
    assert_eq!(carrier.failover_codes_text(), "503,408");
    assert_eq!(
        carrier.credentials.as_ref().map(|c| c.password.as_str()),
        Some("p@ss word")
    );
    assert_eq!(
        loaded.voice_routing_policy(T, "Global").map(|p| p.usages),
        Some(strings(&["Middle", "Zulu"]))
    );
    assert_eq!(
        loaded.granted_voice_routing_policy(T, I1.guid()),
        Some("Sales")
    );
    assert_eq!(loaded.sip_credential("bob.desk").map(|c| c.1), Some(U2));
    // The patterns are compiled again on load: routing works on the loaded directory.
    let number = E164::parse("+14255550100").expect("number");
    let gateways: Vec<&str> = loaded
        .outbound_gateways(T, Some(U1.guid()), &number)
        .into_iter()
        .map(|g| g.fqdn.as_str())
        .collect();
    assert_eq!(
        gateways,
        ["sbc.contoso.com"],
        "Sales → Local Route; ::1 is disabled"
    );
}

#[test]
fn direct_routing_updates_and_deletions_survive_a_reopen() {
    for place in places() {
        updates_survive(&place.database());
    }
}

fn updates_survive(database: &Database) {
    drop(populated(database));
    let store = DirectoryStore::connect(database).expect("reopen");
    let updates = [
        Command::DeleteUser { tenant: T, id: U1 },
        Command::SetPstnGateway {
            tenant: T,
            fqdn: "SBC.contoso.com".into(),
            patch: GatewayPatch {
                credentials: Some(None),
                max_concurrent_sessions: Some(None),
                ..GatewayPatch::default()
            },
        },
        Command::SetVoiceRoute {
            tenant: T,
            identity: "local route".into(),
            patch: VoiceRoutePatch {
                gateways: Some(strings(&["sbc.contoso.com"])),
                usages: Some(strings(&["Alpha"])),
                ..VoiceRoutePatch::default()
            },
        },
        Command::RemoveVoiceRoute {
            tenant: T,
            identity: "ANY".into(),
        },
        Command::RemovePstnGateway {
            tenant: T,
            fqdn: "[::1]".into(),
        },
        Command::GrantVoiceRoutingPolicy {
            tenant: T,
            account: I1.guid(),
            policy: None,
        },
        Command::RemoveVoiceRoutingPolicy {
            tenant: T,
            identity: "Sales".into(),
        },
        Command::SetPstnUsages {
            tenant: T,
            add: strings(&["New"]),
            remove: vec![],
        },
        Command::SetVoiceRoutingPolicy {
            tenant: T,
            identity: "Global".into(),
            usages: Some(strings(&["New"])),
            description: Some("everyone".into()),
        },
        Command::SetPstnUsages {
            tenant: T,
            add: vec![],
            remove: strings(&["middle"]),
        },
        Command::SetSipCredential {
            tenant: T,
            user: U2,
            username: Some("bob".into()),
            password: "bob-password-34".into(),
        },
    ];
    for command in updates {
        let name = command.name();
        store
            .execute(NOW + 1, command)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let expected = store.read(Directory::clone);
    drop(store);

    let loaded = DirectoryStore::connect(database)
        .expect("reopen again")
        .read(Directory::clone);
    assert_eq!(loaded, expected);
    loaded.check_invariants().expect("invariants");
    assert!(
        loaded.sip_credential("adele").is_none(),
        "deleted user's credential"
    );
    assert!(loaded.sip_credential("bob.desk").is_none(), "renamed");
    assert_eq!(loaded.sip_username_of(T, U2), Some("bob"));
    assert_eq!(loaded.pstn_gateways(T).count(), 1);
    assert_eq!(
        loaded
            .pstn_gateway(T, "sbc.contoso.com")
            .map(|g| (g.credentials.is_none(), g.max_concurrent_sessions)),
        Some((true, None))
    );
    assert_eq!(loaded.voice_routes(T).len(), 1);
    assert!(loaded.voice_routing_policy(T, "Sales").is_none());
    assert_eq!(loaded.pstn_usages(T), ["Zulu", "Alpha", "New"]);
    assert_eq!(
        loaded
            .voice_routing_policy(T, "global")
            .map(|p| p.description),
        Some("everyone".to_string())
    );
}

#[test]
fn a_schema_4_file_migrates_and_keeps_its_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ringside.db");
    {
        let mut raw = rusqlite::Connection::open(&path).expect("raw");
        for (index, script) in MIGRATIONS.iter().take(4).enumerate() {
            let tx = raw.transaction().expect("tx");
            tx.execute_batch(script).expect("script");
            tx.pragma_update(None, "user_version", index as u32 + 1)
                .expect("version");
            tx.commit().expect("commit");
        }
        raw.execute(
            "INSERT INTO tenants (id, display_name, domain) VALUES (?1, 'Old', 'old.com')",
            [T.to_string()],
        )
        .expect("tenant");
    }
    let mut store = Store::open(&path).expect("open migrates");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(store.migrate().expect("again"), 0);
    let loaded = store.load().expect("load");
    assert_eq!(loaded.tenant(T).map(|t| t.domain.as_str()), Some("old.com"));
    assert!(loaded.pstn_gateways(T).next().is_none());
}
