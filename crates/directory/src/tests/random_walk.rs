//! Random command sequences: no command panics, a refused one changes nothing, every invariant holds.

use super::*;

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

/// The small pools the walk draws from, each with a missing or unowned member.
struct Pools {
    tenants: [TenantId; 3],
    accounts: Vec<Guid>,
    numbers: [E164; 4],
    apps: [AppId; 2],
    acs: [Option<AcsResourceId>; 3],
}

impl Pools {
    fn new() -> Pools {
        Pools {
            tenants: [T, T2, TenantId(MISSING)],
            accounts: (0..6)
                .map(|i| g(0x500 + i))
                .chain([U1.guid(), I1.guid(), MISSING])
                .collect(),
            numbers: [
                "+14255550101",
                "+14255550102",
                "+14255550177",
                "+442071230001",
            ]
            .map(n),
            apps: [APP, APP2],
            acs: [Some(ACS), None, Some(AcsResourceId(MISSING))],
        }
    }
}

/// One random command: an account, number or app/instance/consent command over the pools.
fn random_command(rng: &mut Rng, pools: &Pools) -> Command {
    let tenant = rng.pick(&pools.tenants);
    let account = rng.pick(&pools.accounts);
    let number = rng.pick(&pools.numbers);
    let kind = rng.next() % 14;
    match kind {
        0..=4 => account_command(rng, pools, kind, tenant, account),
        5..=9 => number_command(rng, kind, tenant, account, number),
        _ => app_command(rng, pools, kind, tenant, account),
    }
}

/// Kinds 0 to 4: create or delete a user, create an instance, assign or remove a licence.
fn account_command(
    rng: &mut Rng,
    pools: &Pools,
    kind: u64,
    tenant: TenantId,
    account: Guid,
) -> Command {
    match kind {
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
            app_id: rng.pick(&pools.apps),
            display_name: "RA".into(),
        },
        3 => Command::AssignLicence {
            tenant,
            account,
            licence: rng.pick(&Licence::ALL),
        },
        _ => Command::RemoveLicence {
            tenant,
            account,
            licence: rng.pick(&Licence::ALL),
        },
    }
}

/// Kinds 5 to 9: acquire, release, assign or unassign a number, or set an instance's number.
fn number_command(
    rng: &mut Rng,
    kind: u64,
    tenant: TenantId,
    account: Guid,
    number: E164,
) -> Command {
    match kind {
        5 => Command::AcquireNumber {
            tenant,
            number,
            number_type: rng.pick(&NumberType::ALL),
        },
        6 => Command::ReleaseNumber { tenant, number },
        7 => Command::AssignNumber {
            tenant,
            number,
            account,
            number_type: rng.pick(&NumberType::ALL),
        },
        8 => Command::UnassignNumber { tenant, number },
        _ => Command::SetInstanceTelephoneNumber {
            tenant,
            id: InstanceId(account),
            number: (rng.next() % 3 < 2).then_some(number),
        },
    }
}

/// Kinds 10 to 13: bind an instance to an ACS resource, grant or revoke consent, change the
/// requested permissions.
fn app_command(
    rng: &mut Rng,
    pools: &Pools,
    kind: u64,
    tenant: TenantId,
    account: Guid,
) -> Command {
    match kind {
        10 => Command::SetApplicationInstance {
            tenant,
            id: InstanceId(account),
            app_id: None,
            display_name: None,
            acs_resource: Some(rng.pick(&pools.acs)),
        },
        11 => Command::GrantConsent {
            tenant,
            app_id: rng.pick(&pools.apps),
        },
        12 => Command::RevokeConsent {
            tenant,
            app_id: rng.pick(&pools.apps),
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
    }
}

/// Plans and applies one command of walk `seed` at `step`, checking that a refusal changes nothing,
/// an acceptance keeps the invariants, and the snapshot rebuilds the directory. True if accepted.
fn walk_step(d: &mut Directory, seed: u64, step: i64, command: &Command) -> bool {
    let before = d.clone();
    let accepted = match d.plan(NOW + step, command) {
        Ok(changes) => {
            d.apply(&changes);
            if let Err(violation) = d.check_invariants() {
                panic!("seed {seed} step {step} {command:?}: {violation}");
            }
            // Re-planning an accepted assignment is a no-op, never an error.
            if matches!(
                command,
                Command::AssignNumber { .. } | Command::AssignLicence { .. }
            ) {
                assert_eq!(d.plan(NOW, command), Ok(vec![]), "seed {seed} step {step}");
            }
            true
        }
        Err(_) => {
            assert_eq!(
                *d, before,
                "seed {seed} step {step}: refused {command:?} mutated"
            );
            false
        }
    };
    let mut rebuilt = Directory::new();
    rebuilt.apply(&d.snapshot());
    assert_eq!(
        rebuilt, *d,
        "seed {seed} step {step}: snapshot does not rebuild the directory"
    );
    accepted
}

/// Random command sequences over small pools of ids, numbers and licences: no command panics, a
/// refused command changes nothing, and the cross-record invariants hold after every accepted one.
#[test]
fn random_walks_keep_every_invariant() {
    let pools = Pools::new();
    let mut accepted = 0;
    for seed in 1..=20u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut d = fixture();
        for step in 0..600 {
            let command = random_command(&mut rng, &pools);
            if walk_step(&mut d, seed, step, &command) {
                accepted += 1;
            }
        }
    }
    assert!(
        accepted > 2_000,
        "the walk accepted only {accepted} commands"
    );
}
