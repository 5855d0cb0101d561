import { postgresReadStoreFixture, sqliteReadStoreFixture } from "./read-store-fixtures.ts";
import { testSecretStore } from "./secret-store.suite.ts";

testSecretStore("sqlite read store", sqliteReadStoreFixture("ledger-secrets-"));
testSecretStore("postgres read store", postgresReadStoreFixture("secrets_test"));
