"""Credentials in web application settings: PHP define() (WordPress) and .NET XML configs.

Every secret below is made up here; none is real.
"""

from __future__ import annotations

import pytest

from analyzer.secrets.structure import StructuralHit, structural_hits

WP_PASSWORD = "Wp9oKm3nJb6V"
WP_AUTH_KEY = "q@4Lz!x^T-7m]c>Gv|8N{r0Wb;kE$2yP=uJh/sA6(dF+oQ,1`iZ~3BwM%5Yn&CtRg"
SA_PASSWORD = "Wc3vBn5mQz8X"


def hits(path: str, text: str) -> list[StructuralHit]:
    return structural_hits(path, text.encode())


def found(path: str, text: str) -> list[tuple[str, int, str, str]]:
    return [(h.kind, h.line, h.value, h.detail) for h in hits(path, text)]


# ---- php-define ---------------------------------------------------------------------------------

WP_CONFIG = f"""<?php
/** The name of the database for WordPress */
define( 'DB_NAME', 'shop' );
define( 'DB_USER', 'shop' );
define( 'DB_PASSWORD', '{WP_PASSWORD}' );
define( 'DB_HOST', 'db:3306' );
define( 'AUTH_KEY',         '{WP_AUTH_KEY}' );
define( 'SECURE_AUTH_KEY',  'put your unique phrase here' );
$table_prefix = 'wp_';
"""


def test_wordpress_database_password_and_secret_keys_are_php_define_hits() -> None:
    assert found("/var/www/html/wp-config.php", WP_CONFIG) == [
        ("php-define", 5, WP_PASSWORD, "DB_PASSWORD in a PHP define()"),
        ("php-define", 7, WP_AUTH_KEY, "AUTH_KEY in a PHP define()"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        f'define("DB_PASSWORD", "{WP_PASSWORD}");',
        f"define('DB_PASSWORD','{WP_PASSWORD}', true);",
        f"  define ( 'DB_PASSWORD' , '{WP_PASSWORD}' ) ;",
        f"DEFINE('DB_PASSWORD', '{WP_PASSWORD}');",  # PHP's function names ignore case
        f"Define ('DB_PASSWORD', '{WP_PASSWORD}');",
    ],
)
def test_php_define_quoting_and_spacing_variants_are_hits(line: str) -> None:
    [hit] = hits("/srv/app/config.inc.php", f"<?php\n{line}\n")
    assert (hit.kind, hit.line, hit.value) == ("php-define", 2, WP_PASSWORD)


def test_a_backup_copy_of_wp_config_is_read_too() -> None:
    """wp-config.php.bak / .orig / ~ are the classic leak: the content decides, not the name."""
    assert [h.value for h in hits("/var/www/wp-config.php.bak", WP_CONFIG)] == [
        WP_PASSWORD,
        WP_AUTH_KEY,
    ]


def test_escaped_quotes_in_a_php_literal_are_undone() -> None:
    [hit] = hits("/app/wp-config.php", "<?php define('DB_PASSWORD', 'it\\'s-Pw9\\\\x');")
    assert hit.value == "it's-Pw9\\x"


def test_the_wordpress_sample_placeholders_are_not_hits() -> None:
    """wp-config-sample.php as WordPress ships it: placeholders only."""
    sample = """<?php
define( 'DB_NAME', 'database_name_here' );
define( 'DB_USER', 'username_here' );
define( 'DB_PASSWORD', 'password_here' );
define( 'AUTH_KEY',         'put your unique phrase here' );
define( 'SECURE_AUTH_KEY',  'put your unique phrase here' );
define( 'LOGGED_IN_SALT',   'put your unique phrase here' );
define( 'NONCE_SALT',       'put your unique phrase here' );
"""
    assert hits("/usr/share/wordpress/wp-config-sample.php", sample) == []


@pytest.mark.parametrize(
    "sample",
    [
        """<?php
define( 'DB_NAME', 'datenbankname_hier_einfuegen' );
define( 'DB_USER', 'benutzername_hier_einfuegen' );
define( 'DB_PASSWORD', 'passwort_hier_einfuegen' );
define( 'AUTH_KEY',         'Gib hier deine Zeichenkette ein' );
define( 'SECURE_AUTH_KEY',  'Gib hier deine Zeichenkette ein' );
""",
        """<?php
define( 'DB_PASSWORD', 'votre_mdp_de_bdd' );
define( 'AUTH_KEY',         'mettez une phrase unique ici' );
define( 'NONCE_SALT',       'mettez une phrase unique ici' );
""",
        """<?php
define( 'AUTH_KEY',         'Mettere la vostra frase unica qui' );
define( 'LOGGED_IN_KEY',    'coloque a sua frase única aqui' );
""",
    ],
)
def test_localised_wordpress_sample_placeholders_are_not_hits(sample: str) -> None:
    """de.wordpress.org's and fr.wordpress.org's wp-config-sample.php (and it_IT's, pt_BR's
    keys): a key made of words and spaces is a sentence asking for one."""
    assert hits("/var/www/html/wp-config-sample.php", sample) == []


def test_a_database_password_that_contains_example_is_a_hit() -> None:
    """A placeholder is a value's whole shape: 'Example' inside a chosen password is not one."""
    text = "<?php\ndefine( 'DB_NAME', 'shop' );\ndefine( 'DB_PASSWORD', 'Example#Shop2024!' );\n"
    assert found("/var/www/html/wp-config.php", text) == [
        ("php-define", 3, "Example#Shop2024!", "DB_PASSWORD in a PHP define()")
    ]


def test_the_connectionstrings_com_template_is_not_a_hit() -> None:
    text = (
        '<configuration><add name="g" connectionString="Server=myServerAddress;'
        'Database=myDataBase;User Id=myUsername;Password=myPassword;"/></configuration>'
    )
    assert hits("/inetpub/wwwroot/web.Release.config", text) == []


@pytest.mark.parametrize(
    "line",
    [
        "define( 'DB_PASSWORD', getenv('WORDPRESS_DB_PASSWORD') );",  # not a literal
        "define( 'DB_PASSWORD', getenv_docker('WORDPRESS_DB_PASSWORD', 'example password') );",
        'define( "DB_PASSWORD", "$db_password" );',  # interpolated
        "define( 'DB_PASSWORD', '' );",
        "define( 'DB_PASSWORD', 'changeme' );",
        "define( 'DB_PASSWORD', '${DB_PASSWORD}' );",
        "define( 'DB_PASSWORD', '%DB_PASSWORD%' );",
        "define( 'DB_USER', 'Hz8mQ2vLp5Rk' );",  # not a secret name
        "define( 'PASSWORD_MIN_LENGTH', '12' );",  # a setting about passwords
        "define( 'TXT_PASSWORD', 'Passwort' );",  # a label of a language file
        "define( 'LANG_FORGOT_PASSWORD', 'Forgot your password?' );",
        "define( 'WP_CACHE_KEY_SALT', 'shop.example.com' );",  # a cache prefix, not a key
    ],
)
def test_php_defines_that_hold_no_secret_are_not_hits(line: str) -> None:
    assert hits("/app/wp-config.php", f"<?php\n{line}\n") == []


@pytest.mark.parametrize(
    "line",
    [
        f" *     define('AUTH_KEY',         '{WP_AUTH_KEY}');",  # WordPress's pluggable.php
        f"// define('DB_PASSWORD', '{WP_PASSWORD}');",
        f"# define('DB_PASSWORD', '{WP_PASSWORD}');",
        f"/* define('DB_PASSWORD', '{WP_PASSWORD}'); */",
    ],
)
def test_a_define_in_a_comment_is_not_a_hit(line: str) -> None:
    """A docblock's example (pluggable.php documents wp_salt() with example keys)."""
    assert hits("/usr/src/wordpress/wp-includes/pluggable.php", f"<?php\n/**\n{line}\n */\n") == []


def test_a_define_outside_php_code_is_not_a_hit() -> None:
    """JavaScript, Scheme and m4 have define( too; a PHP define needs `<?php` in the file."""
    text = f"define('DB_PASSWORD', '{WP_PASSWORD}');\n"
    assert hits("/usr/share/doc/app/notes.txt", text) == []
    assert hits("/app/static/main.js", text) == []


# ---- connection-string ----------------------------------------------------------------------

WEB_CONFIG = f"""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <connectionStrings>
    <add name="shop"
         connectionString="Server=db;Database=shop;User Id=sa;Password={SA_PASSWORD};"
         providerName="System.Data.SqlClient" />
    <add name="local" connectionString="Server=.;Database=shop;Integrated Security=SSPI;" />
  </connectionStrings>
  <appSettings>
    <add key="webpages:Version" value="3.0.0.0" />
    <add key="DbPassword" value="Ak5pRt8wNq2Z" />
    <add key="PasswordResetUrl" value="https://shop.example.com/reset" />
  </appSettings>
</configuration>
"""


def test_web_config_connection_string_password_and_app_setting_are_hits() -> None:
    assert found("/inetpub/wwwroot/web.config", WEB_CONFIG) == [
        ("connection-string", 5, SA_PASSWORD, "password of a connection string for user sa"),
        ("keyword", 11, "Ak5pRt8wNq2Z", "DbPassword in appSettings"),
    ]


@pytest.mark.parametrize(
    ("connection", "password", "detail"),
    [
        ("Data Source=db;Initial Catalog=shop;UID=app;PWD={pw};", "Pq7-wX2z", "for user app"),
        ("Driver={ODBC Driver 18};Server=db;Pwd={p;w}}x};", "p;w}x", "to db"),
        ("Host=db;Username=app;Password='a;b''c';", "a;b'c", "for user app"),
        ("Server=db;User ID=sa;Password=p&amp;ss-9;", "p&ss-9", "for user sa"),
        ("jdbc:sqlserver://db:1433;databaseName=shop;user=sa;password={pw}", "Pq7-wX2z", ""),
        ("jdbc:mysql://db/shop?user=app&amp;password={pw}", "Pq7-wX2z", "for user app"),
    ],
)
def test_ado_net_odbc_and_jdbc_connection_strings_yield_their_password(
    connection: str, password: str, detail: str
) -> None:
    text = f'<configuration><add name="c" connectionString="{connection}"/></configuration>'
    [hit] = hits("/app/App.exe.config", text.replace("{pw}", "Pq7-wX2z"))
    assert (hit.kind, hit.value) == ("connection-string", password)
    assert hit.detail.startswith(f"password of a connection string {detail}".rstrip())


def test_a_connection_string_in_an_application_setting_value_is_a_hit() -> None:
    text = f"""<configuration><applicationSettings><My.Settings>
  <setting name="Shop" serializeAs="String">
    <value>Server=db;User Id=shop;Password={SA_PASSWORD}</value>
  </setting>
  <setting name="ApiKey" serializeAs="String"><value>k-8Hq2Lm5Zp7Vt</value></setting>
</My.Settings></applicationSettings></configuration>"""
    assert found("/app/app.config", text) == [
        ("connection-string", 3, SA_PASSWORD, "password of a connection string for user shop"),
        ("keyword", 5, "k-8Hq2Lm5Zp7Vt", "ApiKey in applicationSettings"),
    ]


def test_the_password_inside_an_entity_framework_connection_string_is_a_hit() -> None:
    """EF6 database-first: the provider's connection string is one quoted value (`&quot;` in
    the attribute) of the outer one; its password is the credential."""
    text = (
        '<configuration><connectionStrings>\n<add name="ShopEntities" connectionString="'
        "metadata=res://*/Shop.csdl|res://*/Shop.ssdl|res://*/Shop.msl;"
        "provider=System.Data.SqlClient;provider connection string=&quot;data source=sql01;"
        f"initial catalog=shop;user id=shop_app;password={SA_PASSWORD};"
        'MultipleActiveResultSets=True;App=EntityFramework&quot;" '
        'providerName="System.Data.EntityClient" />\n</connectionStrings></configuration>'
    )
    assert found("/inetpub/wwwroot/Web.config", text) == [
        ("connection-string", 2, SA_PASSWORD, "password of a connection string for user shop_app")
    ]


def test_an_entity_framework_connection_string_with_a_placeholder_password_is_no_hit() -> None:
    text = (
        '<configuration><add name="e" connectionString="metadata=res://*/M.csdl;'
        "provider connection string=&quot;data source=db;user id=app;"
        'password=#{DbPassword};&quot;"/></configuration>'
    )
    assert hits("/app/web.config", text) == []


def test_the_access_database_password_of_an_ole_db_jet_connection_string_is_a_hit() -> None:
    text = (
        '<configuration><add name="Access" connectionString="Provider=Microsoft.Jet.OLEDB.4.0;'
        f'Data Source=C:\\data\\shop.mdb;Jet OLEDB:Database Password={SA_PASSWORD};" />'
        "</configuration>"
    )
    assert found("/app/web.config", text) == [
        (
            "connection-string",
            1,
            SA_PASSWORD,
            "password of a connection string to C:\\data\\shop.mdb",
        )
    ]


@pytest.mark.parametrize(
    "connection",
    [
        "Server=db;Database=shop;Integrated Security=SSPI;",  # no password at all
        "Server=db;User Id=sa;Password=;",
        "Server=db;User Id=sa;Password=%DB_PASSWORD%;",
        "Server=db;User Id=sa;Password=$(DbPassword);",
        "Server=db;User Id=sa;Password=#{DbPassword};",
        "Server=db;User Id=sa;Password=__DbPassword__;",
        "Server=db;User Id=sa;Password=${DB_PASSWORD};",
        "Server=db;User Id=sa;Password=changeme;",
        "Server=db;User Id=sa;Password=your_password_here;",
        "Password=Pq7-wX2z",  # a lone pair is no connection string
    ],
)
def test_connection_strings_without_a_real_password_are_not_hits(connection: str) -> None:
    text = f'<configuration><add name="c" connectionString="{connection}"/></configuration>'
    assert hits("/app/web.config", text) == []
    settings = f'{{"ConnectionStrings": {{"Default": "{connection}"}}}}'
    assert hits("/app/appsettings.json", settings) == []


APPSETTINGS = f"""{{
  "ConnectionStrings": {{
    "DefaultConnection": "Server=db;Database=shop;User Id=sa;Password={SA_PASSWORD};",
    "Reports": "Host=pg;Username=reports;Pwd=\\"{SA_PASSWORD}\\"",
    "Local": "Server=(localdb)\\\\mssqllocaldb;Database=shop;Trusted_Connection=True"
  }},
  "Logging": {{ "LogLevel": {{ "Default": "Information" }} }}
}}
"""


@pytest.mark.parametrize(
    "name", ["appsettings.json", "appsettings.Production.json", "AppSettings.Staging.json"]
)
def test_asp_net_core_appsettings_connection_strings_are_hits(name: str) -> None:
    """ASP.NET Core keeps web.config's connection strings in appsettings*.json; JSON's
    escapes are undone before the connection string is read."""
    assert found(f"/app/{name}", APPSETTINGS) == [
        ("connection-string", 3, SA_PASSWORD, "password of a connection string for user sa"),
        ("connection-string", 4, SA_PASSWORD, "password of a connection string for user reports"),
    ]


def test_a_json_file_not_named_appsettings_is_left_to_the_other_readers() -> None:
    assert [h.kind for h in hits("/app/package.json", APPSETTINGS)] == []


def test_connection_strings_outside_config_files_are_left_to_the_other_readers() -> None:
    text = f'<add name="c" connectionString="Server=db;User Id=sa;Password={SA_PASSWORD};"/>'
    assert [h.kind for h in hits("/usr/share/doc/app/howto.xml", text)] == []


# ---- application-key ------------------------------------------------------------------------

VALIDATION_KEY = "5E2B5B1F0C0B9E5C5D0A8F2E7B7C6A4D3E2F1A0B9C8D7E6F5A4B3C2D1E0F9A8B7C6D5E4F3"
DECRYPTION_KEY = "8A7B6C5D4E3F2A1B0C9D8E7F6A5B4C3D2E1F0A9B8C7D6E5F"


def test_an_asp_net_machine_key_is_a_high_application_key_hit() -> None:
    """Whoever has the machineKey forges ViewState (code execution) and auth cookies."""
    text = f"""<configuration>
  <system.web>
    <machineKey validationKey="{VALIDATION_KEY}"
                decryptionKey="{DECRYPTION_KEY}" validation="HMACSHA256" decryption="AES" />
  </system.web>
</configuration>"""
    assert found("/inetpub/wwwroot/Web.config", text) == [
        (
            "application-key",
            3,
            VALIDATION_KEY,
            "validationKey of an ASP.NET machineKey (signs ViewState and authentication cookies)",
        ),
        (
            "application-key",
            4,
            DECRYPTION_KEY,
            "decryptionKey of an ASP.NET machineKey"
            " (encrypts ViewState and authentication cookies)",
        ),
    ]


@pytest.mark.parametrize(
    "element",
    [
        '<machineKey validationKey="AutoGenerate,IsolateApps" decryptionKey="AutoGenerate" />',
        '<machineKey validationKey="#{ValidationKey}" decryptionKey="__DecryptionKey__" />',
        f'<!-- <machineKey validationKey="{VALIDATION_KEY}" /> -->',
        f'<machineKey x-validationKey="{VALIDATION_KEY}" />',
        '<machineKey validationKey="' + "0" * 64 + '" />',
    ],
)
def test_machine_keys_that_are_generated_tokens_or_comments_are_not_hits(element: str) -> None:
    assert hits("/app/web.config", f"<configuration>{element}</configuration>") == []


def test_the_jwt_signing_key_of_appsettings_is_a_high_application_key_hit() -> None:
    text = (
        '{\n  "Jwt": {\n    "Issuer": "shop",\n    "Key": "Jw6-Pq3zLm8VbNx2Rt5Kc9Hy4Wd7"\n  }\n}\n'
    )
    assert found("/app/appsettings.Production.json", text) == [
        (
            "application-key",
            4,
            "Jw6-Pq3zLm8VbNx2Rt5Kc9Hy4Wd7",
            "Jwt:Key in appsettings (signs the JSON Web Tokens the service accepts)",
        )
    ]


@pytest.mark.parametrize(
    "key", ["<your-jwt-signing-key>", "", "${JWT_KEY}", "short-Key1", "your_jwt_secret_here"]
)
def test_a_jwt_key_placeholder_is_not_a_hit(key: str) -> None:
    assert hits("/app/appsettings.json", f'{{"Jwt": {{"Key": "{key}"}}}}') == []


def test_drupal_hash_salt_and_magento_crypt_key_are_high_application_key_hits() -> None:
    drupal = "<?php\n$settings['hash_salt'] = 'Hs9-Pn3xRw7Vb2Kq5Ty8Lm1Zc4';\n"
    magento = "<?php\nreturn [\n    'crypt' => ['key' => 'Mk3Ty8Pq1Wz6Rn4Vb9Lx2Hc7Jd5Fs0Ga'],\n];\n"
    assert found("/var/www/html/sites/default/settings.php", drupal) == [
        (
            "application-key",
            2,
            "Hs9-Pn3xRw7Vb2Kq5Ty8Lm1Zc4",
            "Drupal $settings['hash_salt'] (signs one-time login links and form tokens)",
        )
    ]
    assert found("/var/www/html/app/etc/env.php", magento) == [
        (
            "application-key",
            3,
            "Mk3Ty8Pq1Wz6Rn4Vb9Lx2Hc7Jd5Fs0Ga",
            "Magento crypt key (decrypts the payment and integration secrets it stores)",
        )
    ]


@pytest.mark.parametrize(
    "line",
    [
        "$settings['hash_salt'] = '';",  # Drupal's default.settings.php
        "$settings['hash_salt'] = file_get_contents('/home/example/salt.txt');",
        " * $settings['hash_salt'] = 'Hs9-Pn3xRw7Vb2Kq5Ty8Lm1Zc4';",  # a docblock's example
        "# $settings['hash_salt'] = 'Hs9-Pn3xRw7Vb2Kq5Ty8Lm1Zc4';",
        "$settings['hash_salt'] = \"$salt-Hs9Pn3xRw7Vb2Kq5\";",  # interpolated
        "'crypt' => ['key' => getenv('MAGENTO_CRYPT_KEY')],",
    ],
)
def test_php_application_keys_that_are_not_literals_are_not_hits(line: str) -> None:
    assert hits("/var/www/html/sites/default/settings.php", f"<?php\n{line}\n") == []


def test_laravel_app_key_in_a_dotenv_is_a_high_application_key_hit() -> None:
    key = "base64:7bK2mQ9xZ4vL8pT1rW6yN3cH5jF0dS2aG8kE4uI7oPq="
    assert found("/app/.env", f"APP_ENV=production\nAPP_KEY={key}\n") == [
        ("application-key", 2, key, "Laravel APP_KEY (encrypts its sessions and cookies)")
    ]


@pytest.mark.parametrize("value", ["", "base64:", "SomeRandomString", "base64:not-a-key"])
def test_a_laravel_app_key_that_is_not_a_key_is_not_a_hit(value: str) -> None:
    assert hits("/app/.env.example", f"APP_KEY={value}\n") == []
