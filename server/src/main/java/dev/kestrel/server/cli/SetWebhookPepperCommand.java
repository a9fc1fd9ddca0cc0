package dev.kestrel.server.cli;

import dev.kestrel.server.core.Organizations;
import dev.kestrel.store.db.ApiKeyDao;
import dev.kestrel.store.db.OrganizationDao;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code set-webhook-pepper --org acme (--pepper P | --default)}: the pepper the organization's
 * webhook signing keys are derived with (SPEC 7); it applies from the next delivery attempt on.
 */
public class SetWebhookPepperCommand extends StoreCommand {
  public SetWebhookPepperCommand() {
    super(
        "set-webhook-pepper",
        "Sets the pepper an organization's webhook signatures are derived with");
  }

  @Override
  public void configure(Subparser subparser) {
    super.configure(subparser);
    subparser.addArgument("--org").required(true).help("the organization's name");
    var choice = subparser.addMutuallyExclusiveGroup().required(true);
    choice.addArgument("--pepper").help("the organization's own pepper");
    choice
        .addArgument("--default")
        .action(Arguments.storeTrue())
        .help("go back to komos-webhook-pepper");
  }

  @Override
  void run(Namespace ns, Organizations operator, OrganizationDao organizations, ApiKeyDao keys) {
    String pepper = ns.getBoolean("default") ? null : ns.getString("pepper");
    operator.setWebhookPepper(ns.getString("org"), pepper);
    System.out.println(
        "organization "
            + ns.getString("org")
            + " signs webhooks with "
            + (pepper == null ? "the default pepper" : "its own pepper"));
  }
}
