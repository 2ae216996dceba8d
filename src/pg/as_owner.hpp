/* Running a statement as another role, as PostgreSQL runs a foreign key's cascade as the owner of
 * the table it changes. */
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "miscadmin.h"
}

namespace link_module::pg {

/* While in scope, runs as `role` (InvalidOid: as is), with row security not forced; restored
 * when the scope ends, by an error's unwinding too. `restricted` adds a security-restricted
 * operation, as VACUUM runs a table owner's code: for maintenance run on another role's
 * behalf over tables it did not name. */
class AsOwner {
public:
	explicit AsOwner(Oid role, bool restricted = false) {
		if (role == InvalidOid)
			return;
		GetUserIdAndSecContext(&saved_user_, &saved_context_);
		SetUserIdAndSecContext(role, saved_context_ | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS |
		                                 (restricted ? SECURITY_RESTRICTED_OPERATION : 0));
		switched_ = true;
	}
	~AsOwner() {
		if (switched_)
			SetUserIdAndSecContext(saved_user_, saved_context_);
	}
	AsOwner(const AsOwner &) = delete;
	AsOwner &operator=(const AsOwner &) = delete;

private:
	bool switched_ = false;
	Oid saved_user_ = InvalidOid;
	int saved_context_ = 0;
};

} // namespace link_module::pg
