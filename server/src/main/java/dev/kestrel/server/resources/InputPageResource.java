package dev.kestrel.server.resources;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import dev.kestrel.model.FieldSpec;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.WaitingFor;
import dev.kestrel.model.api.Envelopes.RunBody;
import dev.kestrel.server.core.Conflict;
import dev.kestrel.server.core.Ids;
import dev.kestrel.server.core.InputAnswers;
import dev.kestrel.server.core.InvalidRequest;
import dev.kestrel.server.core.RunService;
import dev.kestrel.server.errors.ErrorMappers;
import dev.kestrel.store.ArtifactStore;
import dev.kestrel.store.InputLinks;
import dev.kestrel.store.db.OrganizationDao;
import dev.kestrel.store.db.RunDao;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.RunRecord;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.nio.file.Files;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An input link (SPEC 10): a small page a person answers an input step on, from a phone, without an
 * API key. The link names one run, one wait of it and an expiry, signed by the server ({@link
 * InputLinks}). {@code GET} shows the prompt, the page as the wait began and the fields; {@code
 * POST} takes the form (answered with a page) or JSON (answered as {@code POST
 * /task-runs/{id}/input} is). A link that is altered, another run's, expired or used says so.
 */
@Path(InputLinks.PATH + "/{runId}/{token}")
public class InputPageResource {
  private static final Escaper HTML = HtmlEscapers.htmlEscaper();
  private static final MediaType HTML_UTF8 = MediaType.valueOf("text/html; charset=utf-8");

  private final RunDao rows;
  private final OrganizationDao organizations;
  private final RunService runs;
  private final InputAnswers answers;
  private final InputLinks links;
  private final ArtifactStore artifacts;
  private final ObjectMapper mapper;

  public InputPageResource(
      RunDao rows,
      OrganizationDao organizations,
      RunService runs,
      InputAnswers answers,
      InputLinks links,
      ArtifactStore artifacts,
      ObjectMapper mapper) {
    this.rows = rows;
    this.organizations = organizations;
    this.runs = runs;
    this.answers = answers;
    this.links = links;
    this.artifacts = artifacts;
    this.mapper = mapper;
  }

  /** The wait a link opens, or why it opens none (a status and a sentence). */
  private record Opened(
      RunRecord run, Organization org, WaitingFor waiting, int status, String why) {
    boolean usable() {
      return status == 200;
    }
  }

  private Opened open(String runId, String token) {
    Optional<InputLinks.Link> link =
        Ids.isCanonical(runId) ? links.verify(runId, token) : Optional.empty();
    Optional<RunRecord> run = link.isEmpty() ? Optional.empty() : rows.findById(runId);
    Optional<Organization> org =
        run.isEmpty() ? Optional.empty() : organizations.findById(run.get().organizationId());
    if (org.isEmpty()) {
      return new Opened(null, null, null, 404, "This link is not valid.");
    }
    WaitingFor waiting = run.get().waitingFor();
    if (link.get().expired(System.currentTimeMillis())) {
      return new Opened(run.get(), org.get(), null, 410, "This link has expired.");
    }
    if (run.get().status() != RunStatus.RUNNING
        || waiting == null
        || waiting.waitNumber() != link.get().waitNumber()) {
      return new Opened(
          run.get(), org.get(), null, 409, "This request was already answered, or the run ended.");
    }
    return new Opened(run.get(), org.get(), waiting, 200, null);
  }

  @GET
  @Produces("text/html; charset=utf-8")
  public Response page(@PathParam("runId") String runId, @PathParam("token") String token) {
    Opened opened = open(runId, token);
    if (!opened.usable()) {
      return html(opened.status(), notice(opened.why()));
    }
    return html(200, form(token, opened.waiting(), null));
  }

  /** The run's page as the wait began (the input step's screenshot). */
  @GET
  @Path("screenshot")
  @Produces({"image/png", MediaType.APPLICATION_JSON})
  public Response screenshot(@PathParam("runId") String runId, @PathParam("token") String token) {
    Opened opened = open(runId, token);
    if (!opened.usable()) {
      return ErrorMappers.json(opened.status(), "screenshot_unavailable");
    }
    java.nio.file.Path file = artifacts.resolve(runId, opened.waiting().stepId() + ".png");
    if (file == null || !Files.isRegularFile(file)) {
      return ErrorMappers.json(404, "screenshot_unavailable");
    }
    return secured(Response.ok(file.toFile(), "image/png")).build();
  }

  /** A person's answer, from the form. */
  @POST
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  @Produces("text/html; charset=utf-8")
  public Response submitForm(
      @PathParam("runId") String runId,
      @PathParam("token") String token,
      MultivaluedMap<String, String> form) {
    Opened opened = open(runId, token);
    if (!opened.usable()) {
      return html(opened.status(), notice(opened.why()));
    }
    WaitingFor waiting = opened.waiting();
    Map<String, Object> values = new LinkedHashMap<>();
    List<String> problems = new java.util.ArrayList<>();
    waiting
        .fields()
        .forEach(
            (name, field) -> {
              String given = form.getFirst(name);
              switch (field.type()) {
                case FieldSpec.BOOLEAN -> values.put(name, given != null);
                case FieldSpec.NUMBER -> {
                  if (given != null && !given.isBlank()) {
                    try {
                      values.put(name, new java.math.BigDecimal(given.strip()));
                    } catch (NumberFormatException e) {
                      problems.add("'" + label(name, field) + "' must be a number");
                    }
                  }
                }
                default -> {
                  if (given != null && !given.isEmpty()) {
                    values.put(name, given);
                  }
                }
              }
            });
    if (!problems.isEmpty()) {
      return html(400, form(token, waiting, problems));
    }
    try {
      answers.submit(opened.org(), runId, waiting.stepId(), values, waiting.waitNumber());
    } catch (InvalidRequest invalid) {
      return html(400, form(token, waiting, messages(invalid)));
    } catch (Conflict notWaiting) {
      return html(409, notice("This request was already answered, or the run ended."));
    }
    return html(200, notice("Thank you. Your answer was received and the run goes on."));
  }

  /** An answer as JSON: {@code {"values": {...}}}, answered as the API's input endpoint is. */
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public Response submitJson(
      @PathParam("runId") String runId, @PathParam("token") String token, byte[] body) {
    Opened opened = open(runId, token);
    if (!opened.usable()) {
      return ErrorMappers.json(
          opened.status(),
          switch (opened.status()) {
            case 410 -> "link_expired";
            case 409 -> "not_waiting";
            default -> "link_not_valid";
          });
    }
    InputRequest request =
        InputRequest.read(JsonObjectReader.body(mapper, body, false), mapper, false);
    String stepId = request.stepId() != null ? request.stepId() : opened.waiting().stepId();
    return secured(
            Response.ok(
                new RunBody(
                    answers.submit(
                        opened.org(),
                        runId,
                        stepId,
                        request.values(),
                        opened.waiting().waitNumber()))))
        .build();
  }

  private static List<String> messages(InvalidRequest invalid) {
    if (invalid.detail() instanceof List<?> items) {
      return items.stream()
          .map(i -> i instanceof Map<?, ?> m ? String.valueOf(m.get("msg")) : String.valueOf(i))
          .toList();
    }
    return List.of(String.valueOf(invalid.detail()));
  }

  private static String label(String name, FieldSpec field) {
    return field.label() != null ? field.label() : name;
  }

  /** The page for a wait: its prompt, the run's page as the wait began, and the fields. */
  private static String form(String token, WaitingFor waiting, List<String> problems) {
    StringBuilder body = new StringBuilder();
    body.append("<h1>").append(HTML.escape(waiting.prompt())).append("</h1>\n");
    body.append("<img src=\"")
        .append(HTML.escape(token))
        .append("/screenshot\" alt=\"The page the run waits on\">\n");
    if (problems != null && !problems.isEmpty()) {
      body.append("<ul class=\"problems\" role=\"alert\">");
      problems.forEach(p -> body.append("<li>").append(HTML.escape(p)).append("</li>"));
      body.append("</ul>\n");
    }
    body.append("<form method=\"post\">\n");
    waiting
        .fields()
        .forEach(
            (name, field) -> {
              String id = "f-" + HTML.escape(name);
              String required = field.mustBeGiven() ? " required" : "";
              if (field.type().equals(FieldSpec.BOOLEAN)) {
                body.append("<label class=\"check\"><input type=\"checkbox\" name=\"")
                    .append(HTML.escape(name))
                    .append("\" id=\"")
                    .append(id)
                    .append("\"> ")
                    .append(HTML.escape(label(name, field)))
                    .append("</label>\n");
                return;
              }
              String type =
                  switch (field.type()) {
                    case FieldSpec.SECRET -> "password";
                    case FieldSpec.NUMBER -> "number\" step=\"any";
                    default -> "text";
                  };
              body.append("<label for=\"")
                  .append(id)
                  .append("\">")
                  .append(HTML.escape(label(name, field)))
                  .append("</label>\n<input type=\"")
                  .append(type)
                  .append("\" name=\"")
                  .append(HTML.escape(name))
                  .append("\" id=\"")
                  .append(id)
                  .append("\" autocomplete=\"")
                  .append(field.isSecret() ? "one-time-code" : "off")
                  .append("\"")
                  .append(required);
              if (field.pattern() != null && field.isText()) {
                body.append(" pattern=\"").append(HTML.escape(field.pattern())).append("\"");
              }
              body.append(">\n");
            });
    body.append("<button type=\"submit\">Send</button>\n</form>\n");
    body.append("<p class=\"until\">This request is open until ")
        .append(HTML.escape(Instant.ofEpochMilli(waiting.expiresAtMillis()).toString()))
        .append(".</p>\n");
    return document("Input requested", body.toString());
  }

  private static String notice(String sentence) {
    return document("Input request", "<p class=\"notice\">" + HTML.escape(sentence) + "</p>\n");
  }

  private static String document(String title, String body) {
    return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        + "<title>"
        + HTML.escape(title)
        + "</title>\n<style>\n"
        + "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:1rem;"
        + "line-height:1.4}\nh1{font-size:1.3rem}\nimg{width:100%;border:1px solid #ccc;"
        + "border-radius:.3rem}\nlabel{display:block;margin:.8rem 0 .2rem}\n"
        + "input:not([type=checkbox]){width:100%;font-size:1.2rem;padding:.5rem;box-sizing:"
        + "border-box}\nbutton{margin-top:1rem;width:100%;font-size:1.2rem;padding:.7rem}\n"
        + ".problems{color:#a00}\n.until{color:#666;font-size:.9rem}\n</style></head>\n<body>\n"
        + body
        + "</body></html>\n";
  }

  private static Response html(int status, String page) {
    return secured(Response.status(status).entity(page).type(HTML_UTF8)).build();
  }

  /**
   * The link is a credential: the page is not cached, framed, or told to other sites, and it runs
   * no script.
   */
  private static Response.ResponseBuilder secured(Response.ResponseBuilder response) {
    return response
        .header("Cache-Control", "no-store")
        .header("Referrer-Policy", "no-referrer")
        .header("X-Frame-Options", "DENY")
        .header(
            "Content-Security-Policy",
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'");
  }
}
