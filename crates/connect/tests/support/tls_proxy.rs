//! A PostgreSQL TLS terminator whose certificate is valid for another name: it answers the
//! client's SSLRequest with `S`, completes TLS with a certificate for `name` signed by a CA of
//! its own, and forwards the decrypted bytes to a server that accepts plain TCP.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConnection;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};

/// The SSLRequest code (1234, 5679).
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// A running terminator on 127.0.0.1.
pub struct TlsTerminator {
    /// The port it listens on.
    pub port: u16,
    /// The CA that signed its certificate (PEM file), to use as `sslrootcert`.
    pub ca_path: PathBuf,
}

impl TlsTerminator {
    /// Starts a terminator presenting a certificate for `name` only, forwarding to
    /// `127.0.0.1:upstream_port`.
    pub async fn start(name: &str, upstream_port: u16) -> TlsTerminator {
        let (config, ca_pem) = server_config(name);
        let ca_path = std::env::temp_dir().join(format!(
            "qsorm-proxy-ca-{}-{}.crt",
            std::process::id(),
            name
        ));
        std::fs::write(&ca_path, ca_pem).expect("write CA");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let config = config.clone();
                tokio::spawn(async move {
                    let _ = serve(client, config, upstream_port).await;
                });
            }
        });
        TlsTerminator { port, ca_path }
    }
}

impl Drop for TlsTerminator {
    fn drop(&mut self) {
        std::fs::remove_file(&self.ca_path).ok();
    }
}

/// A CA and a server certificate for `name` signed by it; the rustls config and the CA's PEM.
fn server_config(name: &str) -> (Arc<rustls::ServerConfig>, String) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "qsorm test proxy CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().expect("CA key");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca_params, ca_key);
    let mut params = CertificateParams::new(vec![name.to_owned()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, &issuer).expect("cert");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .expect("server config");
    (Arc::new(config), ca_cert.pem())
}

/// One client: SSLRequest, TLS, then bytes both ways until either side closes.
async fn serve(
    mut client: TcpStream,
    config: Arc<rustls::ServerConfig>,
    upstream_port: u16,
) -> std::io::Result<()> {
    let mut request = [0u8; 8];
    client.read_exact(&mut request).await?;
    if request != SSL_REQUEST {
        return Ok(());
    }
    client.write_all(b"S").await?;
    let mut tls = ServerConnection::new(config).map_err(std::io::Error::other)?;
    let upstream = TcpStream::connect(("127.0.0.1", upstream_port)).await?;
    let (mut client_r, mut client_w) = client.into_split();
    let (mut up_r, mut up_w) = upstream.into_split();
    let (mut from_client, mut from_up) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
    loop {
        tokio::select! {
            n = client_r.read(&mut from_client) => {
                let n = n?;
                if n == 0 {
                    return Ok(());
                }
                let mut input = &from_client[..n];
                let mut plain = Vec::new();
                while !input.is_empty() {
                    tls.read_tls(&mut input)?;
                    tls.process_new_packets().map_err(std::io::Error::other)?;
                    match tls.reader().read_to_end(&mut plain) {
                        Ok(_) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(e) => return Err(e),
                    }
                }
                up_w.write_all(&plain).await?;
                flush(&mut tls, &mut client_w).await?;
            }
            n = up_r.read(&mut from_up) => {
                let n = n?;
                if n == 0 {
                    return Ok(());
                }
                tls.writer().write_all(&from_up[..n])?;
                flush(&mut tls, &mut client_w).await?;
            }
        }
    }
}

/// Sends whatever TLS records rustls has ready.
async fn flush(tls: &mut ServerConnection, client: &mut OwnedWriteHalf) -> std::io::Result<()> {
    let mut out = Vec::new();
    while tls.wants_write() {
        tls.write_tls(&mut out)?;
    }
    client.write_all(&out).await
}
