package dev.kestrel.server.cli;

import dev.kestrel.server.core.Organizations;
import dev.kestrel.store.db.ApiKeyDao;
import dev.kestrel.store.db.OrganizationDao;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code revoke-key --id KEY_ID}: the key is refused from the next request on. */
public class RevokeApiKeyCommand extends StoreCommand {
  public RevokeApiKeyCommand() {
    super("revoke-key", "Revokes an API key");
  }

  @Override
  public void configure(Subparser subparser) {
    super.configure(subparser);
    subparser
        .addArgument("--id")
        .required(true)
        .help("the key id, as create-key and list-keys print it");
  }

  @Override
  void run(Namespace ns, Organizations operator, OrganizationDao organizations, ApiKeyDao keys) {
    operator.revokeKey(ns.getString("id"));
    System.out.println("key " + ns.getString("id") + " revoked");
  }
}
