package dev.kestrel.server.cli;

import dev.kestrel.model.Timestamps;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.store.db.ApiKeyDao;
import dev.kestrel.store.db.OrganizationDao;
import dev.kestrel.store.records.ApiKey;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code list-keys --org acme}: ids, prefixes and states, never the keys. */
public class ListApiKeysCommand extends StoreCommand {
  public ListApiKeysCommand() {
    super("list-keys", "Lists an organization's API keys (ids and prefixes only)");
  }

  @Override
  public void configure(Subparser subparser) {
    super.configure(subparser);
    subparser.addArgument("--org").required(true).help("the organization's name");
  }

  @Override
  void run(Namespace ns, Organizations operator, OrganizationDao organizations, ApiKeyDao keys) {
    for (ApiKey key : keys.list(operator.require(ns.getString("org")).id())) {
      System.out.printf(
          "%s  %s…  created %s  %s%s%n",
          key.id(),
          key.prefix(),
          Timestamps.iso(key.createdAt()),
          key.revokedAt() == null ? "active" : "revoked " + Timestamps.iso(key.revokedAt()),
          key.label() == null ? "" : "  (" + key.label() + ")");
    }
  }
}
