// 日常操作的文字（添加客户、计数与排序、批量操作）：中文词表的一部分。
import type { enTasks } from "./en-tasks";

export const zhTasks: typeof enTasks = {
  addCustomer: "添加客户",
  addedInConsole: "在控制台添加",
  customerAdded: "已添加。",
  sortBy: "排序",
  sort_joined: "最早加入在前",
  sort_newest: "最新加入在前",
  sort_name: "按姓名",
  customersFound: "共 {n} 位客户",
  withSelected: "对选中的客户",
  addToGroup: "分组",
  applyToSelected: "加入分组 / 加标签",
  removeFromSelected: "移出分组 / 去掉标签",
  selectOne: "选择 {who}",
  selectPage: "选择本页全部客户",
  selectSomeone: "请先选择至少一位客户。",
  pickGroupOrTag: "请先选择分组或填写标签。",
  bulkAdded: "已为 {n} 位客户完成。",
  bulkRemoved: "已为 {n} 位客户移除。",
};
