package dev.kestrel.engine;

import dev.kestrel.workflows.RunSearchAttributes;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.common.SearchAttributeKey;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks at start that the namespace exists and holds the run search attributes, registering
 * missing ones where the engine allows it. What cannot be fixed here stops the process with a
 * message that says exactly what to create; an engine that cannot be reached only warns, since the
 * API must still answer (503 for new runs) while it is down.
 */
public final class EngineSetup {
  private static final Logger LOG = LoggerFactory.getLogger(EngineSetup.class);

  private EngineSetup() {}

  public static void ensure(WorkflowServiceStubs service, String namespace) {
    try {
      service
          .blockingStub()
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new IllegalStateException(
            "Temporal namespace '"
                + namespace
                + "' does not exist; create it, for example with "
                + "`temporal operator namespace create --namespace "
                + namespace
                + "`",
            e);
      }
      LOG.warn(
          "Temporal is not reachable at start ({}); runs are refused with 503 until it is",
          e.getStatus());
      return;
    }
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(service.getRawChannel())
                .validateAndBuildWithDefaults());
    try {
      Map<String, IndexedValueType> missing = missing(operator, namespace);
      if (missing.isEmpty()) {
        return;
      }
      try {
        operator
            .blockingStub()
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .addSearchAttributes(
                AddSearchAttributesRequest.newBuilder()
                    .setNamespace(namespace)
                    .putAllSearchAttributes(missing)
                    .build());
        LOG.info("Registered search attributes {} in namespace {}", missing.keySet(), namespace);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
          throw new IllegalStateException(
              "Temporal namespace '"
                  + namespace
                  + "' lacks the search attributes this service needs and they "
                  + "could not be registered ("
                  + e.getStatus()
                  + "); create them as Keyword: "
                  + missing.keySet().stream()
                      .map(
                          n ->
                              "`temporal operator search-attribute create --namespace "
                                  + namespace
                                  + " --name "
                                  + n
                                  + " --type Keyword`")
                      .collect(Collectors.joining(", ")),
              e);
        }
      }
    } finally {
      operator.shutdownNow();
    }
  }

  private static Map<String, IndexedValueType> missing(
      OperatorServiceStubs operator, String namespace) {
    Map<String, IndexedValueType> wanted = new LinkedHashMap<>();
    for (SearchAttributeKey<String> key : RunSearchAttributes.ALL) {
      wanted.put(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    try {
      Set<String> existing =
          operator
              .blockingStub()
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .listSearchAttributes(
                  ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build())
              .getCustomAttributesMap()
              .keySet();
      wanted.keySet().removeAll(existing);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
        throw e;
      }
      // The in-memory engine cannot list them; registering all is harmless there.
    }
    return wanted;
  }
}
