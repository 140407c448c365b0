using System.Security.Cryptography;
using System.Text;

namespace Conjur.EventSourced.NodeAgent.Secrets.Crypto;

/// <summary>
/// AES-256-GCM under the operator's data key. Every sealed value carries its own random 96-bit nonce
/// and the 128-bit tag (<c>nonce | tag | ciphertext</c>); the associated data binds the ciphertext to
/// where it belongs (account, variable and version), so a row copied onto another variable or version
/// fails to open instead of revealing a value in the wrong place.
/// </summary>
public sealed class DataCipher
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public DataCipher(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("the data key must be 32 bytes (AES-256)", nameof(key));
        }
        _key = key;
    }

    public byte[] Seal(ReadOnlySpan<byte> plaintext, string associatedData)
    {
        var sealedValue = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = sealedValue.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), Encoding.UTF8.GetBytes(associatedData));
        return sealedValue;
    }

    /// <summary>Opens a sealed value; throws <see cref="CryptographicException"/> when the key, the data or the binding is wrong.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedValue, string associatedData)
    {
        if (sealedValue.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("sealed value too short");
        }
        var plaintext = new byte[sealedValue.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(sealedValue[..NonceSize], sealedValue[(NonceSize + TagSize)..], sealedValue.Slice(NonceSize, TagSize), plaintext, Encoding.UTF8.GetBytes(associatedData));
        return plaintext;
    }

    /// <summary>The associated data of a variable's version.</summary>
    public static string VariableBinding(string resourceId, int version) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{resourceId}#{version}");

    /// <summary>The associated data of an account's token signing key.</summary>
    public static string SigningKeyBinding(string account) => $"authn:{account}";
}
