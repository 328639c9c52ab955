-- _policy_for_tld, new in 0.3.0 (62_hot_path.replace), is internal.
REVOKE EXECUTE ON FUNCTION domxfer._policy_for_tld(text) FROM PUBLIC;
