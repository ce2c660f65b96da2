/** `watchparty trust`: the centrals this profile pinned (like ssh's known_hosts), and resetting a pin. */
import type { Command } from 'commander';
import { centralAddress } from './connect.js';
import { common, context, out, type CommonOptions } from './command-kit.js';

export function registerTrustCommand(program: Command): void {
  common(program.command('trust'))
    .description("show the centrals this profile trusts (scheme and certificate fingerprint); --reset forgets one")
    .option('--reset [host:port]', "forget the pin of this central (default: the profile's central), so the next connection asks again")
    .option('--json', 'print the pins as one JSON object')
    .addHelpText('after', '\nExamples:\n  $ watchparty trust\n  $ watchparty trust --reset 192.168.1.10:8000\n  $ watchparty login alice --fingerprint SHA256:…   # trust a new central non-interactively')
    .action((o: CommonOptions & { reset?: string | boolean }) => {
      const { profile, endpoint } = context(o);
      if (o.reset !== undefined) {
        const address = typeof o.reset === 'string' ? o.reset : centralAddress(endpoint);
        const gone = profile.resetPins(address);
        out(gone.length ? `forgot the pin of ${address}; the next connection checks its certificate afresh` : `no pin for ${address}`);
        return;
      }
      const pins = profile.data.centrals ?? {};
      if (o.json) {
        out(JSON.stringify(pins));
        return;
      }
      const rows = Object.entries(pins);
      if (rows.length === 0) {
        out(`profile "${profile.name}" trusts no central yet`);
        return;
      }
      for (const [address, pin] of rows) {
        out(`${address}  ${pin.tls ? `tls  ${pin.fingerprint}` : 'plain text'}  since ${new Date(pin.pinnedAtMs).toISOString().replace('T', ' ').slice(0, 19)}`);
      }
    });
}
