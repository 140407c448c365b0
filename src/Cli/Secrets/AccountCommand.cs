using System.CommandLine;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Cli.Secrets;

/// <summary>
/// <c>cluster account create NAME</c>: creates a Conjur account and its <c>admin</c> user on the master
/// (through the load balancer) and prints the admin's API key once, as <c>conjurctl account create</c> does.
/// It proves itself with the bootstrap token in the cluster's secrets folder, which only the operator reads.
/// </summary>
public static class AccountCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The account name (letters, digits, '-', '_', '.')" };
        var create = new Command("create", "Create an account and its admin user; prints the admin's API key once") { name };
        create.SetAction(async (parse, ct) => await Program.Guarded(async () =>
        {
            var config = ClusterConfig.Load(Path.Combine(Program.StateDir(parse), "cluster.json"));
            var apiKey = await ConjurClient.CreateAccountAsync(config, parse.GetValue(name)!, ct);
            Console.WriteLine($"API key for admin: {apiKey}");
            return 0;
        }));
        return new Command("account", "Manage Conjur accounts") { create };
    }
}
