//! RTP legs on a shard: each real leg's [`RtpSession`] and sockets, read and written in the
//! shard's sub-tick on the clock thread, and joined to the plane through its external-audio hooks,
//! so a SIP phone's leg is mixed, prompted, recorded, streamed and DTMF-detected like any other.
//!
//! # One frame of an RTP leg
//!
//! In the sub-tick of its conversation's phase ([`crate::phase_of`]), before the plane ticks:
//! drain the leg's socket(s) (`recv_from` until `WouldBlock`, at most [`MAX_DRAIN`] datagrams,
//! into one read buffer the shard reuses: no allocation per packet), hand each datagram to the
//! session with the sub-tick's `now`, pull one decoded 16 kHz frame out of its jitter buffer (which
//! also runs its timers) and give it to the plane as the leg's voice; report the session's events.
//! After the plane has ticked: push what the leg heard (its N-1 mix, private prompts, hold music,
//! or silence when it hears nothing yet) into the session and `send_to` the packet it writes, then
//! an RTCP report when one is due. `now` is the sub-tick's time: the wake-up instant on the
//! threaded clock, the sub-tick's deadline on the [`crate::ManualClock`] (so tests drive real
//! loopback sockets deterministically on the caller's time).
//!
//! # Once per frame, not every sub-tick
//!
//! Sockets are drained once per 20 ms frame, in the leg's phase, not at each 5 ms sub-tick.
//! Measured with `examples/rtp_legs.rs` (200 PCMU legs on one shard, release build, on the 2-vCPU
//! dev box with a load average of about 6, so noisy): a read that finds the socket empty (one
//! `recv_from` returning `WouldBlock`) costs 0.3–0.8 µs, against about 13 µs of CPU per PCMU leg
//! and frame for everything (reads, decode, mix, encode, send), so draining at every sub-tick
//! would add three empty reads per leg and frame (+1–2.5 µs, +10–20 %) for nothing the jitter
//! buffer needs: it plays out one frame per tick anyway, and a packet that waits up to 20 ms in
//! the socket is a packet the jitter buffer would have held. The cost is in the arrival times:
//! packets are stamped with the drain's `now`, so the RFC 3550 jitter estimate sees the phone's
//! send phase against ours in 20 ms steps and the buffer's depth adapts to that. `recvmmsg` /
//! `sendmmsg` are not used: they batch per socket, and a leg has one or two datagrams per frame.
//!
//! # Directions (hold)
//!
//! [`RtpDirection`] is what this leg does (the direction of Ringside's side of the SDP): a leg that
//! does not receive (`SendOnly`, `Inactive`) still drains its sockets and pulls its jitter buffer
//! (statistics, latching, RTCP), but its audio and RFC 4733 keys are not played into the call and
//! it reports no RTP timeout; when it receives again, its inactivity clock restarts. A leg that
//! does not send (`RecvOnly`, `Inactive`) sends no RTP (RTCP continues, RFC 3264 §5.1); the next
//! packet after the pause carries the marker and a timestamp that accounts for the gap.
//!
//! # Errors
//!
//! A socket error never ends the leg or the shard: reads stop for this frame (after an ICMP error
//! surfaced as `ConnectionRefused`/`ConnectionReset`, reading goes on), writes that fail are
//! counted as dropped, and both count as [`RtpFigures::socket_errors`].
//!
//! # Memory
//!
//! Per RTP leg, measured by the `an_rtp_leg_costs_its_session_plus_under_two_kib` unit test:
//! 20,179 bytes for PCMU (the session's [`RtpSession::footprint`] 18,814, most of it the 16
//! jitter-buffer slots) and 18,935 for G.722 (session 17,570); the rest is this module's `RtpLeg`
//! beside the session (ids, phase, direction, socket handles), the two `Arc<UdpSocket>`
//! allocations and the plane's external-audio box (two frames). The kernel's socket buffers are
//! not counted. The shard's read and write buffers (3.5 KiB) are shared by all its legs.

use std::io::ErrorKind;
use std::net::UdpSocket;
use std::sync::Arc;
use std::time::Instant;

pub use crate::rtp_types::{RtpCodec, RtpConfig, RtpDirection, RtpStats, RtpTransport, SrtpKeys};
use ringside_audio::{Frame, SILENT_FRAME};
use ringside_engine::{ConversationId, LegId};
use ringside_rtp::{Dropped, RtpSession, SessionEvent, Transmit};

use crate::command::{EndpointEvent, MediaCommand, MediaOutput};
use crate::plane::{phase_of, MediaPlane, PHASES};
use crate::stats::{RtpDropped, RtpFigures};

/// Datagrams read from one socket per frame at most (a flood waits for the next frame).
pub const MAX_DRAIN: usize = 64;
/// The read buffer: larger than any RTP packet on an Ethernet path; a datagram that fills it is
/// dropped as malformed (it may have been truncated).
const RECV_BUF: usize = 2048;
/// The write buffer: one RTP packet (12 + 160 + 10 bytes with SRTP) or RTCP compound.
const SEND_BUF: usize = 1500;

/// One RTP leg of the shard.
#[derive(Debug)]
pub(crate) struct RtpLeg {
    conversation: ConversationId,
    leg: LegId,
    /// The phase its conversation ticks in.
    phase: u32,
    direction: RtpDirection,
    rtp: Arc<UdpSocket>,
    rtcp: Option<Arc<UdpSocket>>,
    session: RtpSession,
}

impl RtpLeg {
    fn is(&self, conversation: ConversationId, leg: LegId) -> bool {
        self.conversation == conversation && self.leg == leg
    }

    /// The socket RTCP goes out of.
    fn rtcp_socket(&self) -> &UdpSocket {
        self.rtcp.as_deref().unwrap_or(&self.rtp)
    }
}

/// Bytes one RTP leg holds: the session, the rest of [`RtpLeg`], its socket handles and the
/// plane's external-audio frames.
#[cfg(test)]
pub(crate) fn leg_footprint(leg: &RtpLeg) -> usize {
    let arc = 2 * std::mem::size_of::<usize>() + std::mem::size_of::<UdpSocket>();
    let sockets = arc * (1 + usize::from(leg.rtcp.is_some()));
    std::mem::size_of::<RtpLeg>() - std::mem::size_of::<RtpSession>()
        + leg.session.footprint()
        + sockets
        + 2 * std::mem::size_of::<Frame>()
        + std::mem::size_of::<bool>()
}

/// The shard's RTP legs, its reused buffers and the figures since they were last taken.
#[derive(Debug)]
pub(crate) struct RtpLegs {
    legs: Vec<RtpLeg>,
    recv: Box<[u8; RECV_BUF]>,
    send: Box<[u8; SEND_BUF]>,
    frame: Box<Frame>,
    figures: RtpFigures,
}

impl Default for RtpLegs {
    fn default() -> Self {
        RtpLegs {
            legs: Vec::new(),
            recv: Box::new([0; RECV_BUF]),
            send: Box::new([0; SEND_BUF]),
            frame: Box::new(SILENT_FRAME),
            figures: RtpFigures::default(),
        }
    }
}

fn endpoint(leg: &RtpLeg, event: EndpointEvent) -> MediaOutput {
    MediaOutput::Endpoint {
        conversation: leg.conversation,
        leg: leg.leg,
        event,
    }
}

fn detached(conversation: ConversationId, leg: LegId, stats: RtpStats) -> MediaOutput {
    MediaOutput::Endpoint {
        conversation,
        leg,
        event: EndpointEvent::RtpDetached {
            stats: Box::new(stats),
        },
    }
}

impl RtpLegs {
    /// Bytes the RTP legs hold (see the module doc).
    #[cfg(test)]
    pub(crate) fn footprint(&self) -> usize {
        self.legs.iter().map(leg_footprint).sum()
    }

    /// The figures since the last call (legs: now).
    pub(crate) fn take_figures(&mut self) -> RtpFigures {
        let mut figures = std::mem::take(&mut self.figures);
        figures.legs = self.legs.len();
        figures
    }

    /// Applies the RTP commands; returns every other command for the plane (after detaching the
    /// legs a `DisconnectMedia` or `DestroyMix` ends).
    pub(crate) fn handle(
        &mut self,
        command: MediaCommand,
        now: Instant,
        plane: &mut MediaPlane,
        out: &mut impl FnMut(MediaOutput),
    ) -> Option<MediaCommand> {
        match command {
            MediaCommand::AttachRtp {
                conversation,
                leg,
                transport,
            } => self.attach(conversation, leg, *transport, now, plane, out),
            MediaCommand::UpdateRtp {
                conversation,
                leg,
                remote_rtp,
                remote_rtcp,
                direction,
                srtp,
            } => {
                if let Some(l) = self.legs.iter_mut().find(|l| l.is(conversation, leg)) {
                    let config = l.session.config();
                    if config.remote_rtp != remote_rtp || config.remote_rtcp != remote_rtcp {
                        l.session.update_remote(now, remote_rtp, remote_rtcp);
                    }
                    l.session.set_srtp(srtp);
                    if direction.receives() && !l.direction.receives() {
                        l.session.restart_inactivity(now);
                    }
                    l.direction = direction;
                }
            }
            MediaCommand::SendRtpDtmf {
                conversation,
                leg,
                tones,
            } => {
                if let Some(l) = self.legs.iter_mut().find(|l| l.is(conversation, leg)) {
                    l.session.send_dtmf(&tones, None);
                }
            }
            MediaCommand::DetachRtp { conversation, leg } => {
                self.detach_where(now, plane, out, |l| l.is(conversation, leg));
            }
            MediaCommand::DisconnectMedia { conversation, leg } => {
                self.detach_where(now, plane, out, |l| l.is(conversation, leg));
                return Some(command);
            }
            MediaCommand::DestroyMix { conversation } => {
                self.detach_where(now, plane, out, |l| l.conversation == conversation);
                return Some(command);
            }
            other => return Some(other),
        }
        None
    }

    fn attach(
        &mut self,
        conversation: ConversationId,
        leg: LegId,
        transport: RtpTransport,
        now: Instant,
        plane: &mut MediaPlane,
        out: &mut impl FnMut(MediaOutput),
    ) {
        self.detach_where(now, plane, out, |l| l.is(conversation, leg));
        let RtpTransport { rtp, rtcp, config } = transport;
        let nonblocking = rtp.set_nonblocking(true).is_ok()
            && rtcp
                .as_ref()
                .is_none_or(|s| s.set_nonblocking(true).is_ok());
        if !nonblocking || !plane.attach_external(conversation, leg) {
            self.figures.socket_errors += u64::from(!nonblocking);
            out(detached(conversation, leg, RtpStats::default()));
            return;
        }
        self.legs.push(RtpLeg {
            conversation,
            leg,
            phase: phase_of(conversation, PHASES),
            direction: RtpDirection::SendRecv,
            rtp,
            rtcp,
            session: RtpSession::new(config, now),
        });
    }

    /// Ends the matching legs: an RTCP BYE each, then `RtpDetached` with the session's figures.
    fn detach_where(
        &mut self,
        now: Instant,
        plane: &mut MediaPlane,
        out: &mut impl FnMut(MediaOutput),
        matches: impl Fn(&RtpLeg) -> bool,
    ) {
        let mut i = 0;
        while i < self.legs.len() {
            if !self.legs.get(i).is_some_and(&matches) {
                i += 1;
                continue;
            }
            let mut l = self.legs.swap_remove(i);
            if let Some(tx) = l.session.bye(now, &mut self.send[..]) {
                send(l.rtcp_socket(), &self.send[..], tx, &mut self.figures);
            }
            plane.detach_external(l.conversation, l.leg);
            out(detached(l.conversation, l.leg, l.session.stats()));
        }
    }

    /// Before the plane ticks `phase`: each of its RTP legs reads what arrived, pulls one frame
    /// into the plane and reports its events.
    pub(crate) fn receive(
        &mut self,
        phase: u32,
        now: Instant,
        plane: &mut MediaPlane,
        out: &mut impl FnMut(MediaOutput),
    ) {
        let RtpLegs {
            legs,
            recv,
            frame,
            figures,
            ..
        } = self;
        for l in legs.iter_mut().filter(|l| l.phase == phase) {
            drain(&l.rtp, false, &mut l.session, now, &mut recv[..], figures);
            if let Some(rtcp) = l.rtcp.as_deref() {
                drain(rtcp, true, &mut l.session, now, &mut recv[..], figures);
            }
            l.session.pull_frame(now, frame);
            let receives = l.direction.receives();
            let voice = receives.then_some(&**frame);
            plane.set_external_input(l.conversation, l.leg, voice);
            while let Some(event) = l.session.poll_event() {
                let event = match event {
                    SessionEvent::Dtmf { tone, .. } if receives => EndpointEvent::KeyPressed {
                        tone,
                        in_band: false,
                        at_ms: plane.leg_media_ms(l.conversation, l.leg).unwrap_or(0),
                    },
                    SessionEvent::RtpTimeout { silent_for } if receives => {
                        EndpointEvent::RtpTimeout { silent_for }
                    }
                    SessionEvent::Bye { .. } => EndpointEvent::RtpBye,
                    _ => continue,
                };
                out(endpoint(l, event));
            }
        }
    }

    /// After the plane ticked `phase`: each of its RTP legs sends what it heard, and RTCP when due.
    pub(crate) fn send(&mut self, phase: u32, now: Instant, plane: &MediaPlane) {
        let RtpLegs {
            legs,
            send: buf,
            figures,
            ..
        } = self;
        for l in legs.iter_mut().filter(|l| l.phase == phase) {
            if l.direction.sends() {
                let heard = plane
                    .external_heard(l.conversation, l.leg)
                    .unwrap_or(&SILENT_FRAME);
                if let Some(tx) = l.session.push_frame(now, heard, &mut buf[..]) {
                    send(&l.rtp, &buf[..], tx, figures);
                }
            }
            if let Some(tx) = l.session.poll_rtcp(now, &mut buf[..]) {
                send(l.rtcp_socket(), &buf[..], tx, figures);
            }
        }
    }
}

/// Reads what waits on one socket into the session (RTCP only, on a separate RTCP port).
fn drain(
    socket: &UdpSocket,
    rtcp_port: bool,
    session: &mut RtpSession,
    now: Instant,
    buf: &mut [u8],
    figures: &mut RtpFigures,
) {
    for _ in 0..MAX_DRAIN {
        let (n, from) = match socket.recv_from(buf) {
            Ok(got) => got,
            Err(e) => match e.kind() {
                ErrorKind::WouldBlock => return,
                ErrorKind::Interrupted => continue,
                // An ICMP error for an earlier send, reported once: the socket still works.
                ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset => {
                    figures.socket_errors += 1;
                    continue;
                }
                _ => {
                    figures.socket_errors += 1;
                    return;
                }
            },
        };
        figures.packets_in += 1;
        figures.bytes_in += n as u64;
        let datagram = match buf.get_mut(..n) {
            Some(d) if n < RECV_BUF => d,
            _ => {
                figures.dropped.malformed += 1;
                continue;
            }
        };
        let result = if rtcp_port {
            session.receive_rtcp(now, from, datagram)
        } else {
            session.receive(now, from, datagram)
        };
        if let Err(reason) = result {
            count_dropped(&mut figures.dropped, reason);
        }
    }
}

fn count_dropped(dropped: &mut RtpDropped, reason: Dropped) {
    let counter = match reason {
        Dropped::Malformed => &mut dropped.malformed,
        Dropped::UnknownPayloadType => &mut dropped.unknown_payload_type,
        Dropped::UnlatchedSource => &mut dropped.unlatched_source,
        Dropped::BadSequence => &mut dropped.bad_sequence,
        Dropped::Unprotect => &mut dropped.unprotect,
        Dropped::JitterBuffer => &mut dropped.jitter_buffer,
    };
    *counter += 1;
}

/// Sends what the session wrote; a failure is counted, never fatal.
fn send(socket: &UdpSocket, buf: &[u8], tx: Transmit, figures: &mut RtpFigures) {
    let Some(datagram) = buf.get(..tx.len) else {
        figures.dropped.send_failed += 1;
        return;
    };
    match socket.send_to(datagram, tx.to) {
        Ok(n) => {
            figures.packets_out += 1;
            figures.bytes_out += n as u64;
        }
        Err(e) => {
            if e.kind() != ErrorKind::WouldBlock {
                figures.socket_errors += 1;
            }
            figures.dropped.send_failed += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_model::Guid;

    /// The bytes per RTP leg the module doc states, for each codec.
    #[test]
    fn an_rtp_leg_costs_its_session_plus_under_two_kib() {
        let conversation = ConversationId(Guid::from_u128(1));
        let mut plane = MediaPlane::new();
        plane.handle(MediaCommand::CreateMix { conversation });
        let mut legs = RtpLegs::default();
        let now = Instant::now();
        for (i, codec) in [RtpCodec::Pcmu, RtpCodec::G722].into_iter().enumerate() {
            let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
            let config = RtpConfig::new(codec, 1, "127.0.0.1:9".parse().expect("address"));
            let leg = LegId(Guid::from_u128(10 + i as u128));
            let transport = Box::new(RtpTransport {
                rtp: Arc::new(socket),
                rtcp: None,
                config,
            });
            let command = MediaCommand::AttachRtp {
                conversation,
                leg,
                transport,
            };
            let mut out = Vec::new();
            assert!(legs
                .handle(command, now, &mut plane, &mut |o| out.push(o))
                .is_none());
            assert!(out.is_empty());
            let l = legs.legs.last().expect("attached");
            let bytes = leg_footprint(l);
            let session = l.session.footprint();
            assert!(
                bytes > session && bytes < session + 2048,
                "{codec:?}: {bytes}"
            );
            println!("{codec:?}: {bytes} bytes per RTP leg (session {session})");
        }
        assert_eq!(legs.take_figures().legs, 2);
        assert!(legs.footprint() > 2 * 8_000);
    }
}
