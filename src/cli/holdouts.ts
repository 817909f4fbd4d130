// `sgen-ab holdouts …`: holdouts as code (docs/audiences.md#holdouts), the same thin client of the
// admin API as `sgen-ab experiments` (experiments.ts), with the same output and exit codes.
import {
  type AdminCommand,
  atMost,
  type Call,
  type CliIo,
  idOf,
  onlyFlags,
  type Parsed,
  readBody,
  runAdminCommand,
  UsageError,
} from "./experiments.ts";

export const HOLDOUTS_USAGE = `usage: sgen-ab holdouts <command> [--url <admin API>]

  list
  get <id>
  create -f <file.json>                      (-f - reads standard input)
  update <id> -f <file.json> [--confirm-reset]
  delete <id>
  dashboard <id>

  --url   the admin API's base, e.g. https://www.example.com/sg-admin/api (default: $SGEN_URL)
  token   $SGEN_TOKEN (an operator token; never a flag)

  Output: the API's JSON on stdout. Exit 1 when the API refused (its error JSON on stderr), 2 for a
  usage error (this text on stderr), 3 when the API could not be reached or did not answer JSON.`;

async function callFor(command: string, p: Parsed, io: CliIo): Promise<Call> {
  const id = () => idOf(p.positional[0], "a holdout");
  switch (command) {
    case "list":
      onlyFlags(p, []);
      atMost(p, 0);
      return { method: "GET", path: "/holdouts" };
    case "get":
    case "dashboard":
      onlyFlags(p, []);
      atMost(p, 1);
      return { method: "GET", path: `/holdouts/${id()}${command === "dashboard" ? "/dashboard" : ""}` };
    case "create":
      onlyFlags(p, ["f"]);
      atMost(p, 0);
      return { method: "POST", path: "/holdouts", body: await readBody(p, io) };
    case "update": {
      onlyFlags(p, ["f", "confirm-reset"]);
      atMost(p, 1);
      const confirm = p.flags.get("confirm-reset") === true ? "?confirm=reset" : "";
      return { method: "PUT", path: `/holdouts/${id()}${confirm}`, body: await readBody(p, io) };
    }
    case "delete":
      onlyFlags(p, []);
      atMost(p, 1);
      return { method: "DELETE", path: `/holdouts/${id()}` };
    default:
      throw new UsageError(command === "" ? "a command is required" : `unknown command ${command}`);
  }
}

const HOLDOUTS: AdminCommand = { name: "holdouts", usage: HOLDOUTS_USAGE, callFor };

export function runHoldouts(argv: readonly string[], io: CliIo): Promise<number> {
  return runAdminCommand(HOLDOUTS, argv, io);
}
