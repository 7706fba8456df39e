//! The gateway's sockets: one UDP socket, TCP and TLS listeners with a task per connection
//! (framed with the sip crate's `StreamFramer`), outbound TCP connections opened on demand. Every
//! message that arrives goes to the core as an [`Inbound`]; the core sends through [`Transports`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use ringside_sip::{parse_message, Frame, Message, ParseError, StreamFramer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;

/// Largest UDP datagram read.
const MAX_DATAGRAM: usize = 65_535;

/// Where a message came from or goes to: the transaction layer's destination type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Peer {
    /// A UDP address.
    Udp(SocketAddr),
    /// A TCP or TLS connection (`conn` 0: open one to `addr` first; TCP only).
    Stream {
        /// The connection.
        conn: u64,
        /// The remote address.
        addr: SocketAddr,
        /// Over TLS.
        tls: bool,
    },
}

impl Peer {
    /// The remote address.
    pub fn addr(&self) -> SocketAddr {
        match self {
            Peer::Udp(addr) | Peer::Stream { addr, .. } => *addr,
        }
    }

    /// The transport's name in a Via.
    pub fn via_transport(&self) -> &'static str {
        match self {
            Peer::Udp(_) => "UDP",
            Peer::Stream { tls: false, .. } => "TCP",
            Peer::Stream { tls: true, .. } => "TLS",
        }
    }

    /// TCP or TLS: no retransmissions.
    pub fn reliable(&self) -> bool {
        matches!(self, Peer::Stream { .. })
    }
}

/// Largest message on a stream.
const MAX_STREAM_MESSAGE: usize = 64 * 1024;

/// A message (parsed off the core's task) and where it came from.
#[derive(Debug)]
pub struct Inbound {
    /// The sender.
    pub peer: Peer,
    /// One whole message (UDP datagram or framed stream message), or why it did not parse.
    pub message: Result<Message, ParseError>,
}

/// The local addresses listened on.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bound {
    /// UDP.
    pub udp: Option<SocketAddr>,
    /// TCP.
    pub tcp: Option<SocketAddr>,
    /// TLS.
    pub tls: Option<SocketAddr>,
}

/// The send side, shared by the core.
#[derive(Clone)]
pub struct Transports {
    udp: Option<Arc<UdpSocket>>,
    conns: Arc<Mutex<HashMap<u64, mpsc::UnboundedSender<Vec<u8>>>>>,
    next: Arc<AtomicU64>,
    inbound: mpsc::Sender<Inbound>,
    bound: Bound,
}

impl Transports {
    /// Binds what is configured and starts the receive tasks.
    pub async fn bind(
        udp: Option<SocketAddr>,
        tcp: Option<SocketAddr>,
        tls: Option<(SocketAddr, TlsAcceptor)>,
        inbound: mpsc::Sender<Inbound>,
    ) -> std::io::Result<Transports> {
        let mut bound = Bound::default();
        let udp = match udp {
            Some(addr) => {
                let socket = Arc::new(UdpSocket::bind(addr).await?);
                bound.udp = Some(socket.local_addr()?);
                Some(socket)
            }
            None => None,
        };
        let transports = Transports {
            udp: udp.clone(),
            conns: Arc::default(),
            next: Arc::new(AtomicU64::new(1)),
            inbound,
            bound,
        };
        let mut transports = transports;
        if let Some(addr) = tcp {
            let listener = bind_tcp(addr, bound.udp).await?;
            transports.bound.tcp = Some(listener.local_addr()?);
            tokio::spawn(transports.clone().accept(listener, None));
        }
        if let Some((addr, acceptor)) = tls {
            let listener = TcpListener::bind(addr).await?;
            transports.bound.tls = Some(listener.local_addr()?);
            tokio::spawn(transports.clone().accept(listener, Some(acceptor)));
        }
        if let Some(socket) = udp {
            tokio::spawn(receive_udp(socket, transports.inbound.clone()));
        }
        Ok(transports)
    }

    /// The local addresses.
    pub fn bound(&self) -> Bound {
        self.bound
    }

    /// Sends one message; a stream peer without a live connection gets a new TCP connection
    /// (TLS connections are only those the peer opened). Errors are returned, never panics.
    pub fn send(&self, peer: &Peer, bytes: Vec<u8>) -> Result<(), String> {
        match peer {
            Peer::Udp(addr) => {
                let socket = self.udp.as_ref().ok_or("no UDP listener")?;
                socket
                    .try_send_to(&bytes, *addr)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            Peer::Stream { conn, addr, tls } => {
                let sender = self
                    .conns
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(conn)
                    .cloned();
                match sender {
                    Some(sender) => sender.send(bytes).map_err(|_| "connection closed".into()),
                    None if !tls => {
                        tokio::spawn(self.clone().connect(*addr, bytes));
                        Ok(())
                    }
                    None => Err(format!("no TLS connection to {addr}")),
                }
            }
        }
    }

    async fn accept(self, listener: TcpListener, tls: Option<TlsAcceptor>) {
        loop {
            let Ok((stream, addr)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let this = self.clone();
            match &tls {
                None => {
                    tokio::spawn(this.serve(stream, addr, false, None));
                }
                Some(acceptor) => {
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            this.serve(stream, addr, true, None).await;
                        }
                    });
                }
            }
        }
    }

    async fn connect(self, addr: SocketAddr, first: Vec<u8>) {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                self.serve(stream, addr, false, Some(first)).await;
            }
            Err(error) => tracing::info!(%addr, %error, "SIP: TCP connect failed"),
        }
    }

    /// Reads framed messages from a connection and writes what the core sends on it.
    async fn serve<S>(self, stream: S, addr: SocketAddr, tls: bool, first: Option<Vec<u8>>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let conn = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
        if let Some(first) = first {
            let _ = tx.send(first);
        }
        self.conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(conn, tx);
        let (mut reader, mut writer) = tokio::io::split(stream);
        let writing = tokio::spawn(async move {
            while let Some(bytes) = rx.recv().await {
                if writer.write_all(&bytes).await.is_err() {
                    break;
                }
            }
        });
        let peer = Peer::Stream { conn, addr, tls };
        let mut framer = StreamFramer::new(MAX_STREAM_MESSAGE);
        let mut buf = vec![0u8; 16 * 1024];
        'read: loop {
            let n = match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            framer.push(&buf[..n]);
            loop {
                let message = match framer.next_frame() {
                    Ok(Some(Frame::Message(message))) => Ok(message),
                    Ok(Some(Frame::Invalid(error))) => Err(error),
                    Ok(Some(Frame::Pong)) => continue,
                    Ok(Some(Frame::Ping)) => {
                        // RFC 5626 §3.5.1: a CRLF answers a double-CRLF ping.
                        let _ = self.send(&peer, b"\r\n".to_vec());
                        continue;
                    }
                    Ok(None) => break,
                    Err(_) => break 'read,
                };
                let inbound = Inbound {
                    peer: peer.clone(),
                    message,
                };
                if self.inbound.send(inbound).await.is_err() {
                    break 'read;
                }
            }
        }
        self.conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&conn);
        writing.abort();
    }
}

/// TCP on `addr`; with port 0 and a UDP socket on the same address, the UDP port if it is free
/// (SIP's UDP and TCP share a port by convention).
async fn bind_tcp(addr: SocketAddr, udp: Option<SocketAddr>) -> std::io::Result<TcpListener> {
    if let Some(udp) = udp.filter(|u| addr.port() == 0 && u.ip() == addr.ip()) {
        if let Ok(listener) = TcpListener::bind(udp).await {
            return Ok(listener);
        }
    }
    TcpListener::bind(addr).await
}

async fn receive_udp(socket: Arc<UdpSocket>, inbound: mpsc::Sender<Inbound>) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let (n, from) = match socket.recv_from(&mut buf).await {
            Ok(received) => received,
            // ICMP errors surface here on some systems; the socket stays usable.
            Err(_) => continue,
        };
        let datagram = &buf[..n];
        // Keep-alive datagrams (CRLF) are not messages.
        if datagram.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            continue;
        }
        let message = Inbound {
            peer: Peer::Udp(from),
            message: parse_message(datagram),
        };
        if inbound.send(message).await.is_err() {
            return;
        }
    }
}
