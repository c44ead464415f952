package io.datapunk.nexus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.datapunk.nexus.config.ApiGatewayConfig;
import io.datapunk.nexus.config.ConfigLoader;
import io.datapunk.nexus.config.NexusConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The deployment files parse and say what the proposal's {@code api_gateway} block (in the shipped
 * config) says: 2 to 5 instances, 5 s / 3 s health checks on the admin port, least-connections NGINX;
 * and the pieces fit together (labels, ports, drain time within the grace period).
 */
class DeployManifestsTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final Path DEPLOY = Path.of("deploy");
  static final Path K8S = DEPLOY.resolve("k8s");

  static JsonNode yaml(Path file) throws IOException {
    return YAML.readTree(Files.readString(file));
  }

  /** The shipped deployment config, loaded as the gateway loads it (environment defaults). */
  static NexusConfig deployConfig() {
    return new ConfigLoader(name -> null).load(DEPLOY.resolve("config/nexus.yaml"));
  }

  @Test
  void everyKubernetesManifestParsesAsAKubernetesObject() throws IOException {
    List<String> kinds = new ArrayList<>();
    try (Stream<Path> files = Files.list(K8S)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        JsonNode doc = yaml(f);
        assertThat(doc.path("apiVersion").asText()).as(f.toString()).isNotEmpty();
        assertThat(doc.path("kind").asText()).as(f.toString()).isNotEmpty();
        kinds.add(doc.path("kind").asText());
      }
    }
    assertThat(kinds).contains("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler",
        "ConfigMap", "Secret", "Kustomization");
    JsonNode kustomization = yaml(K8S.resolve("kustomization.yaml"));
    for (JsonNode r : kustomization.path("resources")) {
      assertThat(K8S.resolve(r.asText())).exists();
    }
  }

  @Test
  void theAutoscalerKeepsTwoToFiveReplicasOnCpuAndRequestRate() throws IOException {
    JsonNode hpa = yaml(K8S.resolve("hpa.yaml"));
    ApiGatewayConfig ha = deployConfig().apiGateway();
    assertThat(hpa.path("apiVersion").asText()).isEqualTo("autoscaling/v2");
    assertThat(hpa.path("spec").path("minReplicas").asInt()).isEqualTo(2).isEqualTo(ha.minInstances());
    assertThat(hpa.path("spec").path("maxReplicas").asInt()).isEqualTo(5).isEqualTo(ha.maxInstances());
    assertThat(hpa.path("spec").path("scaleTargetRef").path("name").asText()).isEqualTo("nexus");
    List<String> metrics = new ArrayList<>();
    for (JsonNode m : hpa.path("spec").path("metrics")) {
      metrics.add(m.path("type").asText().equals("Resource") ? m.path("resource").path("name").asText()
          : m.path("pods").path("metric").path("name").asText());
    }
    assertThat(metrics).containsExactly("cpu", "nexus_requests_per_second");
    // The adapter rule serves that metric from the gateway's request counter.
    String rules = yaml(K8S.resolve("prometheus-adapter-rules.yaml")).path("data").path("rules.yaml").asText();
    assertThat(rules).contains("nexus_requests_total").contains("as: \"nexus_requests_per_second\"");
    JsonNode deployment = yaml(K8S.resolve("deployment.yaml"));
    assertThat(deployment.path("spec").path("replicas").asInt()).isEqualTo(ha.minInstances());
  }

  @Test
  void probesAskTheAdminPortAtTheProposalsIntervalAndTheStopDrainsWithinTheGracePeriod() throws IOException {
    JsonNode deployment = yaml(K8S.resolve("deployment.yaml"));
    JsonNode pod = deployment.path("spec").path("template").path("spec");
    JsonNode container = pod.path("containers").get(0);
    NexusConfig config = deployConfig();
    ApiGatewayConfig ha = config.apiGateway();

    int adminPort = -1;
    for (JsonNode p : container.path("ports")) {
      if (p.path("name").asText().equals("admin")) {
        adminPort = p.path("containerPort").asInt();
      }
    }
    assertThat(adminPort).isEqualTo(config.admin().port()).isEqualTo(9000);
    assertThat(config.admin().host()).as("probes come from outside the pod").isEqualTo("0.0.0.0");

    JsonNode readiness = container.path("readinessProbe");
    assertThat(readiness.path("httpGet").path("path").asText()).isEqualTo("/health/ready");
    assertThat(readiness.path("httpGet").path("port").asText()).isEqualTo("admin");
    assertThat(readiness.path("periodSeconds").asLong()).isEqualTo(ha.healthInterval().toSeconds()).isEqualTo(5);
    assertThat(readiness.path("timeoutSeconds").asLong()).isEqualTo(ha.healthTimeout().toSeconds()).isEqualTo(3);
    JsonNode liveness = container.path("livenessProbe");
    assertThat(liveness.path("httpGet").path("path").asText()).isEqualTo("/health/live");
    assertThat(liveness.path("httpGet").path("port").asText()).isEqualTo("admin");
    assertThat(container.path("startupProbe").path("httpGet").path("port").asText()).isEqualTo("admin");

    JsonNode preStop = container.path("lifecycle").path("preStop").path("exec").path("command");
    assertThat(preStop.get(0).asText()).isEqualTo("sleep");
    long preStopSeconds = preStop.get(1).asLong();
    long grace = pod.path("terminationGracePeriodSeconds").asLong();
    assertThat(preStopSeconds).isPositive();
    assertThat(grace).as("preStop + drain_timeout fit in the grace period")
        .isGreaterThan(preStopSeconds + config.server().drainTimeout().toSeconds());

    assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.path("env").toString()).contains("-Dvertx.cacheDirBase=/tmp");
  }

  @Test
  void serviceBudgetAndDeploymentSelectTheSamePods() throws IOException {
    JsonNode labels = yaml(K8S.resolve("deployment.yaml")).path("spec").path("template").path("metadata").path("labels");
    JsonNode service = yaml(K8S.resolve("service.yaml")).path("spec");
    JsonNode pdb = yaml(K8S.resolve("pdb.yaml")).path("spec");
    service.path("selector").fields().forEachRemaining(e -> assertThat(labels.path(e.getKey()).asText())
        .isEqualTo(e.getValue().asText()));
    pdb.path("selector").path("matchLabels").fields().forEachRemaining(e ->
        assertThat(labels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
    assertThat(pdb.path("minAvailable").asInt()).isEqualTo(1);
    List<String> targets = new ArrayList<>();
    service.path("ports").forEach(p -> targets.add(p.path("targetPort").asText()));
    assertThat(targets).containsExactly("http", "admin");
  }

  @Test
  void theConfigMapCarriesTheShippedDeploymentConfigAndItIsValid() throws IOException {
    String inConfigMap = yaml(K8S.resolve("configmap.yaml")).path("data").path("nexus.yaml").asText();
    assertThat(inConfigMap).isEqualTo(Files.readString(DEPLOY.resolve("config/nexus.yaml")));
    NexusConfig c = new ConfigLoader(Map.of("REDIS_NODE_1", "redis-cluster-0:6379")::get).parse(inConfigMap);
    assertThat(c.routes()).extracting(r -> r.name()).containsExactly("lake", "stream", "cortex", "forge");
    assertThat(c.redis().nodes()).containsExactly("redis-cluster-0:6379", "redis-2:6379", "redis-3:6379");
    assertThat(c.reload().watch()).isTrue();
    // Each gateway registers in Consul with the proposal's health check timing, and says where it is.
    assertThat(c.discovery().consul().register().enabled()).isTrue();
    assertThat(c.discovery().consul().register().checkInterval()).isEqualTo(c.apiGateway().healthInterval());
    assertThat(c.discovery().consul().register().checkTimeout()).isEqualTo(c.apiGateway().healthTimeout());
    JsonNode compose = yaml(DEPLOY.resolve("docker-compose.yml")).path("services");
    assertThat(compose.path("nexus-1").path("environment").path("NEXUS_ADVERTISE_ADDRESS").asText()).isEqualTo("nexus-1");
    assertThat(compose.path("nexus-2").path("environment").path("NEXUS_ADVERTISE_ADDRESS").asText()).isEqualTo("nexus-2");
    assertThat(yaml(K8S.resolve("deployment.yaml")).toString()).contains("nexus-config").contains("/etc/nexus");
  }

  @Test
  void theNginxFrontBalancesLeastConnectionsWithTheProposalsHealthTimingAndRetriesOnlyWhatIsSafe() throws IOException {
    String conf = Files.readString(DEPLOY.resolve("nginx/nexus.conf"));
    ApiGatewayConfig ha = deployConfig().apiGateway();
    assertThat(ha.algorithm()).isEqualTo("least_connections");
    List<String> lines = conf.lines().map(String::strip).filter(l -> !l.startsWith("#")).toList();
    assertThat(lines).contains("least_conn;");
    assertThat(lines.stream().filter(l -> l.startsWith("server nexus-")))
        .hasSize(2)
        .allMatch(l -> l.contains("max_fails=1") && l.contains("fail_timeout=" + ha.healthInterval().toSeconds() + "s"));
    assertThat(lines).contains("proxy_connect_timeout " + ha.healthTimeout().toSeconds() + "s;");
    assertThat(lines).contains("proxy_next_upstream error timeout;");
    assertThat(lines).noneMatch(l -> l.contains("non_idempotent"));
    assertThat(lines).anyMatch(l -> l.startsWith("keepalive ")).contains("proxy_http_version 1.1;");
  }

  @Test
  void theDockerfileBuildsWithTheWrapperAndRunsOnAJreAsAnUnprivilegedUserWithAHealthCheck() throws IOException {
    List<String> lines = Files.readAllLines(DEPLOY.resolve("Dockerfile")).stream().map(String::strip)
        .filter(l -> !l.startsWith("#") && !l.isEmpty()).toList();
    List<String> froms = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
    assertThat(froms).hasSize(2);
    assertThat(froms.get(0)).matches("FROM eclipse-temurin:(17|21)-jdk AS build");
    assertThat(froms.get(1)).matches("FROM eclipse-temurin:(17|21)-jre");
    assertThat(lines).anyMatch(l -> l.contains("./mvnw") && l.contains("package"));
    assertThat(lines).anyMatch(l -> l.startsWith("COPY --from=build"));
    String user = lines.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
    assertThat(user).doesNotContain("root").doesNotMatch("USER 0(:.*)?");
    String text = String.join("\n", lines);
    assertThat(text).contains("HEALTHCHECK --interval=5s --timeout=3s").contains("/health/ready")
        .contains("${NEXUS_ADMIN_PORT:-9000}");
    assertThat(text).contains("MaxRAMPercentage").contains("ExitOnOutOfMemoryError").contains("exec java");
  }

  @Test
  void theComposeFileRunsTheWholeStack() throws IOException {
    JsonNode services = yaml(DEPLOY.resolve("docker-compose.yml")).path("services");
    List<String> names = new ArrayList<>();
    services.fieldNames().forEachRemaining(names::add);
    assertThat(names).contains("nginx", "nexus-1", "nexus-2", "redis-init", "consul", "datapunk-lake",
        "datapunk-stream", "datapunk-cortex", "datapunk-forge");
    assertThat(names.stream().filter(n -> n.matches("redis-\\d"))).hasSize(6);
    assertThat(services.path("nginx").path("volumes").get(0).asText()).startsWith("./nginx/nexus.conf:");
    assertThat(services.path("redis-init").path("command").get(0).asText()).contains("--cluster-replicas 1");
  }
}
