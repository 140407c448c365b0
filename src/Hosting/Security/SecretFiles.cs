using System.Security.Cryptography;

namespace Conjur.EventSourced.Hosting.Security;

/// <summary>
/// Generated credentials live in files of the state folder (mode 0600), never in configuration,
/// command lines or logs: configuration refers to the file.
/// </summary>
public static class SecretFiles
{
    /// <summary>Reads the secret in <paramref name="path"/>, creating a random one first if the file does not exist.</summary>
    public static string GetOrCreate(string path, int bytes = 24)
    {
        if (File.Exists(path))
        {
            return Read(path);
        }
        // URL- and conf-safe: no quotes, colons or backslashes to escape in pgpass, rabbitmq.conf or a DSN.
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(bytes)).ToLowerInvariant();
        Write(path, secret);
        return secret;
    }

    public static string Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"secret file {path} is missing", path);
        }
        return File.ReadAllText(path).Trim();
    }

    public static void Write(string path, string content)
    {
        CreatePrivateDirectory(Path.GetDirectoryName(path)!);
        WriteAtomically(path, content, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>
    /// Writes through a temporary file that has <paramref name="mode"/> before it holds anything, moved over the old one:
    /// a reader sees the old file or the new one whole, and the content is never readable under a looser mode.
    /// </summary>
    public static void WriteAtomically(string path, string content, UnixFileMode mode)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, "");
        File.SetUnixFileMode(tmp, mode);
        File.WriteAllText(tmp, content);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Makes a folder and every missing parent its owner's alone (0700); existing folders keep their mode.</summary>
    public static void CreatePrivateDirectory(string path)
    {
        var missing = new Stack<string>();
        for (var dir = Path.GetFullPath(path); !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)!)
        {
            missing.Push(dir);
        }
        while (missing.TryPop(out var dir))
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
