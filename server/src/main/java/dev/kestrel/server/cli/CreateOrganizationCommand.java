package dev.kestrel.server.cli;

import dev.kestrel.server.core.Organizations;
import dev.kestrel.store.db.ApiKeyDao;
import dev.kestrel.store.db.OrganizationDao;
import dev.kestrel.store.records.Organization;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code create-org --name acme [--monthly-run-limit N] [--public-url URL] [config.yml]} */
public class CreateOrganizationCommand extends StoreCommand {
  public CreateOrganizationCommand() {
    super("create-org", "Creates an organization");
  }

  @Override
  public void configure(Subparser subparser) {
    super.configure(subparser);
    subparser.addArgument("--name").required(true).help("the organization's unique name");
    subparser
        .addArgument("--monthly-run-limit")
        .type(Integer.class)
        .help("runs per calendar month (UTC); none by default");
    subparser
        .addArgument("--public-url")
        .help("base URL that makes this organization's logsUrl absolute");
  }

  @Override
  void run(Namespace ns, Organizations operator, OrganizationDao organizations, ApiKeyDao keys) {
    Organization org =
        operator.create(
            ns.getString("name"), ns.getInt("monthly_run_limit"), ns.getString("public_url"));
    System.out.println("organization " + org.name() + " created, id " + org.id());
  }
}
