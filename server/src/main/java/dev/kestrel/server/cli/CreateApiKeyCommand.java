package dev.kestrel.server.cli;

import dev.kestrel.server.core.Organizations;
import dev.kestrel.store.db.ApiKeyDao;
import dev.kestrel.store.db.OrganizationDao;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code create-key --org acme [--label ci]}: prints the key, the only time it is shown. */
public class CreateApiKeyCommand extends StoreCommand {
  public CreateApiKeyCommand() {
    super("create-key", "Issues an API key for an organization and prints it once");
  }

  @Override
  public void configure(Subparser subparser) {
    super.configure(subparser);
    subparser.addArgument("--org").required(true).help("the organization's name");
    subparser.addArgument("--label").help("a note to recognise the key by");
  }

  @Override
  void run(Namespace ns, Organizations operator, OrganizationDao organizations, ApiKeyDao keys) {
    Organizations.IssuedKey issued = operator.issueKey(ns.getString("org"), ns.getString("label"));
    System.out.println("key id " + issued.key().id() + " (shown once, store it now):");
    System.out.println(issued.secret());
  }
}
