import { testReadStore } from "./read-store.suite.ts";
import { postgresReadStoreFixture, sqliteReadStoreFixture } from "./read-store-fixtures.ts";

testReadStore("sqlite", sqliteReadStoreFixture("ledger-rs-"));
testReadStore("postgres", postgresReadStoreFixture("rs_test"));
