package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An organization's monthly run limit holds under concurrent requests: never one run more. */
@ExtendWith(DropwizardExtensionsSupport.class)
class UsageLimitIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();

  @Test
  void twentyConcurrentRequestsUnderAMonthlyLimitOfThreeGiveExactlyThreeRuns() throws Exception {
    Organizations organizations = TestApps.installed(APP).organizations();
    organizations.create("limited", 3, null);
    ApiClient api =
        TestApps.api(APP).withKey(organizations.issueKey("limited", "limit test").secret());
    String taskId =
        TestApps.createTask(
            api,
            "{\"name\": \"Limited\", \"steps\": [{\"id\": \"p\", \"action\": \"waitFor\", \"ms\": 1}]}");

    ExecutorService pool = Executors.newFixedThreadPool(20);
    List<Integer> statuses = new ArrayList<>();
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> answers = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        answers.add(
            pool.submit(
                () -> {
                  start.await();
                  return api.post("/public/v1/tasks/" + taskId + "/runs", "{}").status();
                }));
      }
      start.countDown();
      for (Future<Integer> answer : answers) {
        statuses.add(answer.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(statuses).filteredOn(s -> s == 202).hasSize(3);
    assertThat(statuses).filteredOn(s -> s == 402).hasSize(17);
    assertThat(api.get("/public/v1/tasks/" + taskId + "/runs").json().get("runs")).hasSize(3);
    ApiClient.Answer over = api.post("/public/v1/tasks/" + taskId + "/runs", "{}");
    assertThat(over.json().at("/detail/code").asText()).isEqualTo("usage_limit_exceeded");
    assertThat(over.json().at("/detail/used").asInt()).isEqualTo(3);
  }
}
