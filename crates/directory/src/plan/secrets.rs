//! Planning client secrets: `AddSecret` (a hint, a hash, an expiry in the future, at most
//! [`MAX_SECRETS`] per app) and `RemoveSecret`.

use ringside_model::{AppId, SecretId};

use super::shared::misrouted;
use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{conflict, invalid, not_found, precondition, DirectoryError};
use crate::records::SecretRecord;
use crate::validate;

/// Most secrets one app may hold at once.
pub const MAX_SECRETS: usize = 50;

impl Directory {
    /// `AddSecret` (created at `now`) or `RemoveSecret`.
    pub(super) fn plan_secret(
        &self,
        now: i64,
        command: &Command,
    ) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::AddSecret {
                app_id,
                key_id,
                display_name,
                hint,
                hash,
                expires_at,
            } => self.add_secret(
                *app_id,
                SecretRecord {
                    key_id: *key_id,
                    display_name: display_name.clone(),
                    hint: hint.clone(),
                    hash: hash.clone(),
                    created_at: now,
                    expires_at: *expires_at,
                },
            ),
            Command::RemoveSecret { app_id, key_id } => self.remove_secret(*app_id, *key_id),
            other => Err(misrouted(other)),
        }
    }

    /// `secret` as requested, created now (`secret.created_at`).
    fn add_secret(
        &self,
        app_id: AppId,
        secret: SecretRecord,
    ) -> Result<Vec<Change>, DirectoryError> {
        let mut app = self.require_app(app_id)?.clone();
        check_secret(&secret)?;
        let key_id = secret.key_id;
        if app.secret(key_id).is_some() {
            return Err(conflict(format!(
                "application {app_id} already has secret {key_id}"
            )));
        }
        if app.secrets.len() >= MAX_SECRETS {
            return Err(precondition(format!(
                "application {app_id} already has {MAX_SECRETS} secrets; remove one first"
            )));
        }
        app.secrets.push(secret);
        Ok(vec![Change::PutApplication(app)])
    }

    fn remove_secret(
        &self,
        app_id: AppId,
        key_id: SecretId,
    ) -> Result<Vec<Change>, DirectoryError> {
        let mut app = self.require_app(app_id)?.clone();
        let before = app.secrets.len();
        app.secrets.retain(|s| s.key_id != key_id);
        if app.secrets.len() == before {
            return Err(not_found(format!(
                "application {app_id} has no secret {key_id}"
            )));
        }
        Ok(vec![Change::PutApplication(app)])
    }
}

/// A display name, a 1-to-3-character hint, a hash, and an expiry after its creation.
fn check_secret(secret: &SecretRecord) -> Result<(), DirectoryError> {
    validate::display_name("secret display name", &secret.display_name)?;
    if secret.hint.is_empty() || secret.hint.chars().count() > 3 {
        return Err(invalid(
            "a secret hint is the first 1 to 3 characters of the secret",
        ));
    }
    if secret.hash.is_empty() {
        return Err(invalid("a secret needs a hash"));
    }
    let (expires_at, now) = (secret.expires_at, secret.created_at);
    if expires_at <= now {
        return Err(invalid(format!(
            "a secret must expire in the future (expiresAt {expires_at} <= now {now})"
        )));
    }
    Ok(())
}
