package io.datapunk.nexus.auth;

import com.nimbusds.jose.JWSVerifier;
import java.util.Set;

/**
 * A key ready to verify signatures: its {@code kid} (null: none), the algorithms it may verify, and
 * its verifier.
 */
record VerificationKey(String kid, Set<String> algorithms, JWSVerifier verifier) {}
