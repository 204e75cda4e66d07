//! A throwaway certificate authority and a server certificate signed by it (also used by
//! the local Query Service).

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// PEM texts of the CA certificate, the server certificate and the server's private key.
pub struct TlsMaterial {
    /// The CA certificate (PEM): the root a client verifies against.
    pub ca_cert_pem: String,
    /// The server certificate (PEM), for `localhost` and `127.0.0.1`.
    pub server_cert_pem: String,
    /// The server's private key (PEM).
    pub server_key_pem: String,
}

/// A CA (self-signed, ECDSA P-256) and a server certificate for `localhost` and `127.0.0.1`.
/// Validity: rcgen's default (1975 to 4096), so persistent clusters never see them expire.
pub fn generate() -> Result<TlsMaterial, rcgen::Error> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "qsorm sandbox CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "qsorm sandbox server");
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer)?;

    Ok(TlsMaterial {
        ca_cert_pem: ca_cert.pem(),
        server_cert_pem: cert.pem(),
        server_key_pem: key.serialize_pem(),
    })
}
