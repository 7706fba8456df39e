//! The dialogs of one UA keyed by Call-ID and tags: finding the dialog of an incoming request or
//! response, and the 481 for in-dialog requests that match none (RFC 3261 §12.2.2).

use super::{Dialog, DialogId, DialogState};
use crate::error::Rejection;
use crate::headers::Method;
use crate::message::{Request, Response};
use std::collections::HashMap;

/// All dialogs, by id.
#[derive(Debug, Default)]
pub struct DialogSet {
    dialogs: HashMap<DialogId, Dialog>,
}

/// Where an incoming request belongs.
#[derive(Debug, PartialEq, Eq)]
pub enum RequestRoute {
    /// No To tag: a dialog-creating (or out-of-dialog) request for the UA core.
    OutOfDialog,
    /// The dialog it belongs to, after the CSeq and target-refresh rules accepted it.
    InDialog(DialogId),
    /// Refused: answer with this (481 unknown dialog, 500 CSeq out of order).
    Reject(Rejection),
    /// An ACK for no known dialog: dropped silently (ACK is never answered).
    Drop,
}

impl DialogSet {
    /// An empty set.
    pub fn new() -> Self {
        DialogSet::default()
    }

    /// Adds (or replaces) a dialog.
    pub fn insert(&mut self, dialog: Dialog) {
        self.dialogs.insert(dialog.id.clone(), dialog);
    }

    /// The dialog with `id`.
    pub fn get(&self, id: &DialogId) -> Option<&Dialog> {
        self.dialogs.get(id)
    }

    /// The dialog with `id`, mutable.
    pub fn get_mut(&mut self, id: &DialogId) -> Option<&mut Dialog> {
        self.dialogs.get_mut(id)
    }

    /// Removes a dialog.
    pub fn remove(&mut self, id: &DialogId) -> Option<Dialog> {
        self.dialogs.remove(id)
    }

    /// Number of dialogs.
    pub fn len(&self) -> usize {
        self.dialogs.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.dialogs.is_empty()
    }

    /// Classifies an incoming request and applies the dialog rules to it.
    pub fn route_request(&mut self, req: &Request) -> RequestRoute {
        let has_to_tag = req.headers.to().is_some_and(|t| t.tag().is_some());
        if !has_to_tag {
            return RequestRoute::OutOfDialog;
        }
        let id = DialogId::of_request(req);
        let dialog = id.as_ref().and_then(|id| self.dialogs.get_mut(id));
        match (dialog, &req.method) {
            (None, Method::Ack) => RequestRoute::Drop,
            (None, _) => RequestRoute::Reject(Rejection::new(481)),
            (Some(d), _) => match d.on_request(req) {
                Ok(()) => {
                    let id = d.id.clone();
                    if d.state == DialogState::Terminated {
                        self.dialogs.remove(&id);
                    }
                    RequestRoute::InDialog(id)
                }
                Err(r) => RequestRoute::Reject(r),
            },
        }
    }

    /// Applies a response to our request to its dialog, creating a UAC dialog from a 1xx with a
    /// tag or a 2xx (one per To tag: forked early dialogs each get their own). Returns its id.
    pub fn route_response(&mut self, request: &Request, resp: &Response) -> Option<DialogId> {
        let id = DialogId::of_response(resp)?;
        if let Some(d) = self.dialogs.get_mut(&id) {
            d.on_response(resp);
            if d.state == DialogState::Terminated {
                self.dialogs.remove(&id);
            }
            return Some(id);
        }
        let creates = matches!(
            request.method,
            Method::Invite | Method::Subscribe | Method::Refer
        );
        if !creates {
            return None;
        }
        let dialog = Dialog::uac(request, resp)?;
        self.dialogs.insert(id.clone(), dialog);
        Some(id)
    }

    /// Ends the early dialogs of `call_id` other than `keep` (a 2xx picked one fork).
    pub fn drop_other_early(&mut self, keep: &DialogId) {
        self.dialogs.retain(|id, d| {
            id == keep || id.call_id != keep.call_id || d.state != DialogState::Early
        });
    }
}
