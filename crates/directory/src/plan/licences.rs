//! Planning licences on users and application instances: `AssignLicence` (each kind takes its own
//! Teams Phone licence) and `RemoveLicence` (not while a held number needs it).

use std::collections::BTreeSet;

use ringside_model::{Guid, Licence, TenantId};

use super::shared::misrouted;
use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{invalid, not_found, precondition, DirectoryError};
use crate::records::Account;

impl Directory {
    /// `AssignLicence` or `RemoveLicence`.
    pub(super) fn plan_licence(&self, command: &Command) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::AssignLicence {
                tenant,
                account,
                licence,
            } => self.assign_licence(*tenant, *account, *licence),
            Command::RemoveLicence {
                tenant,
                account,
                licence,
            } => self.remove_licence(*tenant, *account, *licence),
            other => Err(misrouted(other)),
        }
    }

    /// A no-op when the account already holds the licence.
    fn assign_licence(
        &self,
        tenant: TenantId,
        account: Guid,
        licence: Licence,
    ) -> Result<Vec<Change>, DirectoryError> {
        let account = self.require_account(tenant, account)?;
        check_licence_kind(account, licence)?;
        if account.licences().contains(&licence) {
            return Ok(Vec::new());
        }
        Ok(vec![with_licences(account, |set| {
            set.insert(licence);
        })])
    }

    fn remove_licence(
        &self,
        tenant: TenantId,
        account: Guid,
        licence: Licence,
    ) -> Result<Vec<Change>, DirectoryError> {
        let account = self.require_account(tenant, account)?;
        if !account.licences().contains(&licence) {
            return Err(not_found(format!(
                "{} has no {licence} licence",
                account.describe()
            )));
        }
        if let Some(number) = self.number_of(account.id()) {
            if licence == account.number_licence() {
                return Err(precondition(format!(
                    "{} holds {} which needs the {licence} licence; unassign the number first",
                    account.describe(),
                    number.number
                )));
            }
        }
        Ok(vec![with_licences(account, |set| {
            set.remove(&licence);
        })])
    }
}

/// The resource-account licence is for instances only, the Teams Phone licence for users only.
fn check_licence_kind(account: Account<'_>, licence: Licence) -> Result<(), DirectoryError> {
    match (account, licence) {
        (Account::User(_), Licence::TeamsPhoneResourceAccount) => Err(invalid(format!(
            "the teamsPhoneResourceAccount licence is for application instances only, \
             not {}",
            account.describe()
        ))),
        (Account::Instance(_), Licence::TeamsPhone) => Err(invalid(format!(
            "the teamsPhone licence is for users only, not {}; resource accounts take \
             teamsPhoneResourceAccount",
            account.describe()
        ))),
        _ => Ok(()),
    }
}

/// The account's record with its licence set edited.
fn with_licences(account: Account<'_>, edit: impl FnOnce(&mut BTreeSet<Licence>)) -> Change {
    match account {
        Account::User(u) => {
            let mut u = u.clone();
            edit(&mut u.licences);
            Change::PutUser(u)
        }
        Account::Instance(i) => {
            let mut i = i.clone();
            edit(&mut i.licences);
            Change::PutInstance(i)
        }
    }
}
