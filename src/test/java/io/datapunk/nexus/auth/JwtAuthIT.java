package io.datapunk.nexus.auth;

import static io.datapunk.nexus.auth.TestTokens.AUDIENCE;
import static io.datapunk.nexus.auth.TestTokens.ISSUER;
import static io.datapunk.nexus.auth.TestTokens.b64;
import static io.datapunk.nexus.auth.TestTokens.claims;
import static io.datapunk.nexus.auth.TestTokens.payload;
import static io.datapunk.nexus.auth.TestTokens.raw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * JWT authentication against a real gateway, real upstream and a real JWKS server: valid tokens of
 * every supported algorithm pass with identity headers; the attack catalogue is refused with the same
 * 401 and the upstream is never called; scopes and roles give 403; JWKS refresh on unknown kid is
 * rate-limited and keys stay usable while the JWKS endpoint is down.
 */
class JwtAuthIT {
  private static final TestTokens tokens = new TestTokens();
  private static final KeyPair jwksKey1 = TestTokens.generate("RSA", null);
  private static final KeyPair jwksKey2 = TestTokens.generate("RSA", null);
  private static final AtomicReference<String> jwksDocument = new AtomicReference<>();
  private static TestUpstream upstream;
  private static TestUpstream jwksServer;
  private static TestUpstream attackerServer;
  private static GatewayFixture gateway;
  private static Path dir;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("nexus-jwt");
    upstream = TestUpstream.start();
    jwksDocument.set(jwks(new RSAKey.Builder((RSAPublicKey) jwksKey1.getPublic()).keyID("jwks-1").build()));
    jwksServer = TestUpstream.start().handler(r -> {
      String doc = jwksDocument.get();
      if (doc == null) {
        r.response().setStatusCode(503).end();
      } else {
        r.response().putHeader("content-type", "application/json").end(doc);
      }
    });
    attackerServer = TestUpstream.start().handler(r -> r.response().putHeader("content-type", "application/json")
        .end(jwks(new RSAKey.Builder((RSAPublicKey) tokens.attacker.getPublic()).keyID("rsa-1").build())));
    Map<String, String> vars = new HashMap<>();
    vars.put("UP", upstream.url());
    vars.put("JWKS", jwksServer.url());
    vars.put("RSA_PEM", TestTokens.pemFile(dir, "rsa", tokens.rsa.getPublic()).toString());
    vars.put("EC_PEM", TestTokens.pemFile(dir, "ec", tokens.ec.getPublic()).toString());
    vars.put("ED_PEM", TestTokens.pemFile(dir, "ed", tokens.ed.getPublic()).toString());
    vars.put("HMAC", TestTokens.HMAC);
    gateway = GatewayFixture.start("""
        security:
          jwt:
            issuer: https://issuer.test
            audience: nexus
            max_token_size: 4kb
            keys:
              - id: rsa-1
                algorithms: [RS256, PS256]
                public_key: ${RSA_PEM}
              - id: ec-1
                algorithms: [ES256]
                public_key: ${EC_PEM}
              - id: ed-1
                algorithms: [EdDSA]
                public_key: ${ED_PEM}
              - id: hmac-1
                algorithms: [HS256]
                secret: ${HMAC}
            jwks:
              url: ${JWKS}/jwks.json
              algorithms: [RS256]
              min_refresh_interval: 2s
              timeout: 1s
        service_routes:
          open:
            prefix: /open
            service_url: ${UP}
          api:
            prefix: /api
            service_url: ${UP}
            auth:
              policy: jwt
          fwd:
            prefix: /fwd
            service_url: ${UP}
            auth:
              policy: jwt
              forward_authorization: true
          ops:
            prefix: /ops
            service_url: ${UP}
            auth:
              policy: jwt
              scopes: [ops:write]
              roles: [ops, sre]
        network_optimization:
          connection_pooling:
            min_size: 0
        """, vars);
    await().atMost(Duration.ofSeconds(10)).until(() -> jwksServer.requests.get() >= 1);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    jwksServer.close();
    attackerServer.close();
  }

  @BeforeEach
  void reset() {
    upstream.requests.set(0);
  }

  private static HttpResponse<String> call(String path, String authorization, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(gateway.uri(path)).timeout(Duration.ofSeconds(10));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    headers.forEach(b::header);
    return gateway.send(b.GET().build());
  }

  private static HttpResponse<String> bearer(String token) {
    return call("/api/x", "Bearer " + token, Map.of());
  }

  private static JsonObject seenHeaders(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("headers");
  }

  private static String bodyWithoutRequestId(HttpResponse<String> r) {
    return r.body().replaceAll("\"request_id\": \"[^\"]*\"", "\"request_id\": \"-\"");
  }

  private static String refusedBody;

  private static void assertRefused(String name, HttpResponse<String> r) {
    assertThat(r.statusCode()).as(name).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).as(name)
        .hasValue("Bearer realm=\"nexus\", error=\"invalid_token\"");
    String body = bodyWithoutRequestId(r);
    if (refusedBody == null) {
      refusedBody = body;
    }
    assertThat(body).as(name + ": the same body whatever the reason").isEqualTo(refusedBody);
  }

  @Test
  void everySupportedAlgorithmPassesWithIdentityHeaders() {
    JWTClaimsSet c = claims().claim("roles", List.of("ops")).build();
    for (String token : List.of(tokens.rs256(c), tokens.ps256(c), tokens.es256(c), tokens.eddsa(c), tokens.hs256(c))) {
      HttpResponse<String> r = bearer(token);
      assertThat(r.statusCode()).as(token).isEqualTo(200);
      JsonObject seen = seenHeaders(r);
      assertThat(seen.getString("x-auth-method")).isEqualTo("jwt");
      assertThat(seen.getString("x-auth-subject")).isEqualTo("user-1");
      assertThat(seen.getString("x-auth-client-id")).isEqualTo("web-app");
      assertThat(seen.getString("x-auth-scopes")).isEqualTo("read write");
      assertThat(seen.getString("x-auth-roles")).isEqualTo("ops");
      assertThat(seen.containsKey("authorization")).as("the token stays at the gateway by default").isFalse();
    }
    String token = tokens.valid();
    assertThat(seenHeaders(call("/fwd/x", "Bearer " + token, Map.of())).getString("authorization"))
        .isEqualTo("Bearer " + token);
    assertThat(upstream.requests.get()).isEqualTo(6);
  }

  @Test
  void forgedIdentityHeadersNeverReachTheService() {
    Map<String, String> forged = Map.of("X-Auth-Subject", "admin", "X-Auth-Scopes", "ops:write",
        "X-Auth-Client-Id", "root", "X-Auth-Method", "api_key", "X-Auth-Roles", "ops");
    JsonObject open = seenHeaders(call("/open/x", null, forged));
    assertThat(open.fieldNames()).noneMatch(n -> n.startsWith("x-auth-"));
    JsonObject api = seenHeaders(call("/api/x", "Bearer " + tokens.valid(), forged));
    assertThat(api.getString("x-auth-subject")).isEqualTo("user-1");
    assertThat(api.getString("x-auth-client-id")).isEqualTo("web-app");
    assertThat(api.getString("x-auth-scopes")).isEqualTo("read write");
    assertThat(api.containsKey("x-auth-roles")).isFalse();
  }

  @Test
  void missingCredentialsGet401WithAChallenge() {
    HttpResponse<String> r = call("/api/x", null, Map.of());
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"nexus\"");
    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code")).isEqualTo("auth");
    assertThat(upstream.requests.get()).isZero();
  }

  @Test
  void attackCatalogueIsRefusedAndTheServiceNeverCalled() throws Exception {
    Map<String, String> attacks = new java.util.LinkedHashMap<>();
    for (String none : TestTokens.noneCasings()) {
      attacks.put("alg " + none + ", no signature", raw("{\"alg\":\"" + none + "\",\"typ\":\"JWT\"}", payload(), null));
      attacks.put("alg " + none + ", with signature", raw("{\"alg\":\"" + none + "\"}", payload(), new byte[32]));
      attacks.put("alg " + none + ", kid rsa-1", raw("{\"alg\":\"" + none + "\",\"kid\":\"rsa-1\"}", payload(), null));
    }
    String valid = tokens.valid();
    attacks.put("stripped signature", valid.substring(0, valid.lastIndexOf('.') + 1));
    attacks.put("stripped signature, two parts", valid.substring(0, valid.lastIndexOf('.')));
    attacks.put("signature of another token", valid.substring(0, valid.lastIndexOf('.') + 1)
        + tokens.rs256(claims().subject("other").build()).split("\\.")[2]);
    attacks.put("tampered payload", b64("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}") + "."
        + b64(claims().subject("admin").build().toString()) + "." + valid.split("\\.")[2]);
    byte[] rsaPem = TestTokens.pem(tokens.rsa.getPublic()).getBytes(StandardCharsets.US_ASCII);
    byte[] rsaDer = tokens.rsa.getPublic().getEncoded();
    attacks.put("HS256 with the RSA public key (PEM), kid rsa-1",
        TestTokens.hmacSigned("{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}", payload(), rsaPem));
    attacks.put("HS256 with the RSA public key (DER), kid rsa-1",
        TestTokens.hmacSigned("{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}", payload(), rsaDer));
    attacks.put("HS256 with the RSA public key (PEM), no kid",
        TestTokens.hmacSigned("{\"alg\":\"HS256\"}", payload(), rsaPem));
    String attackerJwk = new RSAKey.Builder((RSAPublicKey) tokens.attacker.getPublic()).build().toJSONString();
    attacks.put("embedded jwk, kid rsa-1", TestTokens.sign(new RSASSASigner(tokens.attacker.getPrivate()),
        new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").jwk(RSAKey.parse(attackerJwk)).build(), claims().build()));
    attacks.put("embedded jwk, no kid", TestTokens.sign(new RSASSASigner(tokens.attacker.getPrivate()),
        new JWSHeader.Builder(JWSAlgorithm.RS256).jwk(RSAKey.parse(attackerJwk)).build(), claims().build()));
    attacks.put("jku to the attacker", TestTokens.sign(new RSASSASigner(tokens.attacker.getPrivate()),
        new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1")
            .jwkURL(java.net.URI.create(attackerServer.url() + "/jwks.json")).build(), claims().build()));
    attacks.put("x5u to the attacker", TestTokens.sign(new RSASSASigner(tokens.attacker.getPrivate()),
        new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1")
            .x509CertURL(java.net.URI.create(attackerServer.url() + "/cert.pem")).build(), claims().build()));
    attacks.put("jku to the attacker, unknown kid", TestTokens.sign(new RSASSASigner(tokens.attacker.getPrivate()),
        new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("attacker-kid")
            .jwkURL(java.net.URI.create(attackerServer.url() + "/jwks.json")).build(), claims().build()));
    for (String kid : List.of("../../../../../../dev/null", "/etc/passwd", "..\\\\..\\\\windows\\\\win.ini",
        "rsa-1' OR '1'='1", "x".repeat(300))) {
      attacks.put("kid " + kid.substring(0, Math.min(kid.length(), 30)),
          TestTokens.hmacSigned("{\"alg\":\"HS256\",\"kid\":\"" + kid + "\"}", payload(), new byte[1]));
    }
    Instant now = Instant.now();
    attacks.put("expired", tokens.rs256(claims().expirationTime(Date.from(now.minusSeconds(120))).build()));
    attacks.put("not yet valid (nbf)", tokens.rs256(claims().notBeforeTime(Date.from(now.plusSeconds(120))).build()));
    attacks.put("issued in the future (iat)", tokens.rs256(claims().issueTime(Date.from(now.plusSeconds(120))).build()));
    attacks.put("missing exp", tokens.rs256(claims().expirationTime(null).build()));
    attacks.put("wrong iss", tokens.rs256(claims().issuer("https://evil.test").build()));
    attacks.put("missing iss", tokens.rs256(claims().issuer(null).build()));
    attacks.put("wrong aud", tokens.rs256(claims().audience("other-service").build()));
    attacks.put("missing aud", tokens.rs256(claims().audience((String) null).build()));
    attacks.put("missing sub", tokens.rs256(claims().subject(null).build()));
    attacks.put("crit header", TestTokens.sign(new RSASSASigner(tokens.rsa.getPrivate()),
        new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").criticalParams(java.util.Set.of("exp"))
            .customParam("exp", 1).build(), claims().build()));
    attacks.put("ES256 all-zero signature", raw("{\"alg\":\"ES256\",\"kid\":\"ec-1\"}", payload(), new byte[64]));
    attacks.put("ES256 all-zero DER signature", raw("{\"alg\":\"ES256\",\"kid\":\"ec-1\"}", payload(),
        new byte[] {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00}));
    attacks.put("RS256 token with the ES256 key's kid", tokens.rs256("ec-1", claims().build()));
    attacks.put("HS256 token with the HMAC kid but wrong secret", TestTokens.hmacSigned(
        "{\"alg\":\"HS256\",\"kid\":\"hmac-1\"}", payload(), "wrong-secret-wrong-secret-wrong-secret".getBytes()));
    attacks.put("just over max_token_size", tokens.rs256(claims().claim("pad", "p".repeat(4096)).build()));
    attacks.put("not a JWT", "abc");
    attacks.put("three empty parts", "..");
    attacks.put("JWE-shaped", "a.b.c.d.e");
    attacks.put("unsigned JSON", b64("{\"alg\":\"RS256\"}") + "." + b64("not json") + ".AAAA");

    for (Map.Entry<String, String> a : attacks.entrySet()) {
      assertRefused(a.getKey(), bearer(a.getValue()));
    }
    assertRefused("Basic scheme", call("/api/x", "Basic dXNlcjpwYXNz", Map.of()));
    assertRefused("empty bearer", call("/api/x", "Bearer ", Map.of()));
    assertThat(upstream.requests.get()).as("the service was never called").isZero();
    assertThat(attackerServer.requests.get()).as("nothing named by a token was fetched").isZero();
  }

  @Test
  void aHugeTokenIsRefusedBeforeItIsParsed() {
    String huge = tokens.rs256(claims().claim("pad", "p".repeat(64 * 1024)).build());
    HttpResponse<String> r = bearer(huge);
    assertThat(r.statusCode()).isIn(401, 431);
    assertThat(upstream.requests.get()).isZero();
  }

  @Test
  void clockSkewIsSixtySecondsEachWay() {
    Instant now = Instant.now();
    assertThat(bearer(tokens.rs256(claims().expirationTime(Date.from(now.minusSeconds(40))).build())).statusCode())
        .isEqualTo(200);
    assertThat(bearer(tokens.rs256(claims().expirationTime(Date.from(now.minusSeconds(80))).build())).statusCode())
        .isEqualTo(401);
    assertThat(bearer(tokens.rs256(claims().notBeforeTime(Date.from(now.plusSeconds(40))).build())).statusCode())
        .isEqualTo(200);
    assertThat(bearer(tokens.rs256(claims().notBeforeTime(Date.from(now.plusSeconds(80))).build())).statusCode())
        .isEqualTo(401);
  }

  @Test
  void scopesAndRolesGive403WhenMissing() {
    HttpResponse<String> noScope = call("/ops/x", "Bearer " + tokens.rs256(claims().claim("roles", List.of("ops")).build()), Map.of());
    assertThat(noScope.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(noScope.body()).getJsonObject("error").getString("code")).isEqualTo("forbidden");
    HttpResponse<String> noRole = call("/ops/x",
        "Bearer " + tokens.rs256(claims().claim("scope", "read ops:write").build()), Map.of());
    assertThat(noRole.statusCode()).isEqualTo(403);
    assertThat(upstream.requests.get()).isZero();
    HttpResponse<String> ok = call("/ops/x", "Bearer " + tokens.rs256(claims().claim("scope", "read ops:write")
        .claim("roles", List.of("sre")).build()), Map.of());
    assertThat(ok.statusCode()).isEqualTo(200);
  }

  @Test
  void jwksKeysRotateWithRateLimitedRefreshAndSurviveAnOutage() throws Exception {
    JWTClaimsSet c = claims().build();
    String byJwks1 = TestTokens.sign(new RSASSASigner(jwksKey1.getPrivate()),
        new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("jwks-1").build(), c);
    assertThat(bearer(byJwks1).statusCode()).isEqualTo(200);

    // A flood of tokens naming invented kids: the JWKS endpoint sees at most one fetch per 2 s.
    int before = jwksServer.requests.get();
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      statuses.add(bearer(TestTokens.sign(new RSASSASigner(tokens.attacker.getPrivate()),
          new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(UUID.randomUUID().toString()).build(), c)).statusCode());
    }
    assertThat(statuses).containsOnly(401);
    assertThat(jwksServer.requests.get() - before).isLessThanOrEqualTo(2);

    // The issuer rotates: a new kid appears in the JWKS; the first token naming it triggers a refresh.
    jwksDocument.set(jwks(new RSAKey.Builder((RSAPublicKey) jwksKey1.getPublic()).keyID("jwks-1").build(),
        new RSAKey.Builder((RSAPublicKey) jwksKey2.getPublic()).keyID("jwks-2").build()));
    String byJwks2 = TestTokens.sign(new RSASSASigner(jwksKey2.getPrivate()),
        new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("jwks-2").build(), claims().subject("user-2").build());
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
        .until(() -> bearer(byJwks2).statusCode() == 200);

    // The JWKS endpoint goes down: keys already known keep working.
    jwksDocument.set(null);
    Thread.sleep(2100); // let the refresh rate limit open again, so the next unknown kid causes a (failing) fetch
    int down = jwksServer.requests.get();
    assertThat(bearer(TestTokens.sign(new RSASSASigner(tokens.attacker.getPrivate()),
        new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("jwks-3").build(), c)).statusCode()).isEqualTo(401);
    assertThat(jwksServer.requests.get()).isGreaterThan(down);
    String fresh = TestTokens.sign(new RSASSASigner(jwksKey2.getPrivate()),
        new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("jwks-2").build(), claims().subject("user-3").build());
    assertThat(bearer(fresh).statusCode()).isEqualTo(200);
    assertThat(seenHeaders(bearer(fresh)).getString("x-auth-subject")).isEqualTo("user-3");
  }

  private static String jwks(RSAKey... keys) {
    return new JWKSet(List.of(keys)).toString();
  }

  static {
    assertThat(ISSUER).isNotBlank();
    assertThat(AUDIENCE).isNotBlank();
  }
}
