// Words for everyday tasks on lists: adding a customer, counting and sorting, acting on many
// at once. Part of the English table.
export const enTasks = {
  addCustomer: "Add a customer",
  addedInConsole: "Added in the console",
  customerAdded: "Added.",
  sortBy: "Order",
  sort_joined: "Oldest first",
  sort_newest: "Newest first",
  sort_name: "By name",
  customersFound: "{n} customers",
  withSelected: "With the selected customers",
  addToGroup: "Group",
  applyToSelected: "Add to group / tag",
  removeFromSelected: "Remove from group / untag",
  selectOne: "Select {who}",
  selectPage: "Select everyone on this page",
  selectSomeone: "Select at least one customer first.",
  pickGroupOrTag: "Pick a group or type a tag first.",
  bulkAdded: "Done for {n} customers.",
  bulkRemoved: "Removed for {n} customers.",
};
