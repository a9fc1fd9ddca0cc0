package dev.kestrel.server.cli;

import dev.kestrel.server.core.Organizations;
import dev.kestrel.store.db.ApiKeyDao;
import dev.kestrel.store.db.OrganizationDao;
import dev.kestrel.store.records.Organization;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code set-org-limits --name acme [--monthly-run-limit N] [--max-active-runs N]
 * [--requests-per-second N] [--max-waiting-requests N] [config.yml]}: an organization's own limits.
 * A limit not given keeps its value; 0 clears it (no monthly limit; the server's default cap).
 */
public class SetOrganizationLimitsCommand extends StoreCommand {
  public SetOrganizationLimitsCommand() {
    super("set-org-limits", "Sets an organization's monthly run limit and fair-share caps");
  }

  @Override
  public void configure(Subparser subparser) {
    super.configure(subparser);
    subparser.addArgument("--name").required(true).help("the organization's name");
    subparser
        .addArgument("--monthly-run-limit")
        .type(Integer.class)
        .help("runs per calendar month (UTC); 0: none");
    subparser
        .addArgument("--max-active-runs")
        .type(Integer.class)
        .help("runs queued or running at once; 0: the server's default");
    subparser
        .addArgument("--requests-per-second")
        .type(Integer.class)
        .help("API requests per second; 0: the server's default");
    subparser
        .addArgument("--max-waiting-requests")
        .type(Integer.class)
        .help("open long polls and log streams; 0: the server's default");
  }

  @Override
  void run(Namespace ns, Organizations operator, OrganizationDao organizations, ApiKeyDao keys) {
    Organization org = operator.require(ns.getString("name"));
    Organization.FairShare now = org.fairShare();
    Organization updated =
        operator.setLimits(
            org.name(),
            pick(ns.getInt("monthly_run_limit"), org.monthlyRunLimit()),
            new Organization.FairShare(
                pick(ns.getInt("max_active_runs"), now.maxActiveRuns()),
                pick(ns.getInt("requests_per_second"), now.requestsPerSecond()),
                pick(ns.getInt("max_waiting_requests"), now.maxWaitingRequests())));
    System.out.println(
        "organization "
            + updated.name()
            + ": monthly run limit "
            + shown(updated.monthlyRunLimit(), "none")
            + ", max active runs "
            + shown(updated.fairShare().maxActiveRuns(), "default")
            + ", requests per second "
            + shown(updated.fairShare().requestsPerSecond(), "default")
            + ", max waiting requests "
            + shown(updated.fairShare().maxWaitingRequests(), "default"));
  }

  /** The given value (0 clears it), or the current one when not given. */
  private static Integer pick(Integer given, Integer current) {
    if (given == null) {
      return current;
    }
    if (given < 0) {
      throw new IllegalArgumentException("limits are 0 (cleared) or more");
    }
    return given == 0 ? null : given;
  }

  private static String shown(Integer value, String whenNull) {
    return value == null ? whenNull : value.toString();
  }
}
